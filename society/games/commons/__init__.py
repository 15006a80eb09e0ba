"""The commons game: a common-pool resource harvested, governed and regrown each round (the
social-learning paper's commons and GovSim's fishery, pasture and pollution). `game.py` ties
it to the core; `dynamics/` is pure (plain values in, plain values out); `institutions/` holds
its own institutions, one module each.

`GAME` is loaded on first use, so that importing one of the institution modules (which the
scenario schema does while it is built) does not import the game, which imports the schema."""

from typing import Any

__all__ = ["GAME"]


def __getattr__(name: str) -> Any:
    if name == "GAME":
        from society.games.commons.game import GAME

        return GAME
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
