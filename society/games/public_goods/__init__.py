"""The public-goods game with (optional) peer punishment (Fehr & Gächter 2000). Importing it
loads only the scenario model (see game.py)."""

from society.games.public_goods.game import GAME

__all__ = ["GAME"]
