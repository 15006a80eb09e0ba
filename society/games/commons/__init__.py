"""The commons game (see `game.py`); its pure dynamics live in `society.games.commons.dynamics` for now."""

from society.games.commons.game import GAME

__all__ = ["GAME"]
