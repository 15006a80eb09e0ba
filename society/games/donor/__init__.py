"""The donor game (Vallinder & Hughes 2024): indirect reciprocity across generations.
Importing it loads only the scenario model (see game.py)."""

from society.games.donor.game import GAME

__all__ = ["GAME"]
