"""The commons game: a common-pool resource harvested, governed and regrown each round (the
social-learning paper's commons and GovSim's fishery, pasture and pollution). `game.py` ties
it to the core; `dynamics/` is pure (plain values in, plain values out)."""

from society.games.commons.game import GAME

__all__ = ["GAME"]
