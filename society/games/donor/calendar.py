"""Where a round of the run falls: its generation, its game within the generation and its
round within the game (all 1-based). Rounds run generation by generation, game by game."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Position:
    generation: int
    game: int
    game_round: int
    settings: Any  # DonorSettings

    @property
    def starts_game(self) -> bool:
        return self.game_round == 1

    @property
    def starts_generation(self) -> bool:
        return self.game == 1 and self.game_round == 1

    @property
    def ends_game(self) -> bool:
        return self.game_round == self.settings.rounds_per_game

    @property
    def ends_generation(self) -> bool:
        return self.ends_game and self.game == self.settings.games_per_generation

    @property
    def ends_run(self) -> bool:
        return self.ends_generation and self.generation == self.settings.generations


def position(round_number: int, settings: Any) -> Position:
    if not 1 <= round_number <= settings.total_rounds:
        raise ValueError(f"round {round_number} is outside 1..{settings.total_rounds}")
    index = round_number - 1
    generation, within = divmod(index, settings.rounds_per_generation)
    game, game_round = divmod(within, settings.rounds_per_game)
    return Position(generation + 1, game + 1, game_round + 1, settings)
