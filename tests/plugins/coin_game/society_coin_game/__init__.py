"""A tiny game written outside society: each round every player calls a coin toss; a right
call scores `reward`. It registers through the `society.games` entry point (see the
dist-info folder beside this package) and is the worked example of docs/extending.md."""

from society_coin_game.game import GAME

__all__ = ["GAME"]
