"""The repeated two-player matrix game (Akata et al. 2023). Importing it loads only the
scenario model (see game.py)."""

from society.games.matrix.game import GAME

__all__ = ["GAME"]
