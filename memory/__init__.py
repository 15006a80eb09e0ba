"""Episodic memory for agents (Chroma-backed store to come). `society` imports this package,
never the reverse."""
