"""The donor game (Vallinder & Hughes 2024): indirect reciprocity across generations."""
