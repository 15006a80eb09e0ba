"""The commons game (see `game.py`); its pure dynamics live in `society.commons` for now."""

from society.games.commons.game import GAME

__all__ = ["GAME"]
