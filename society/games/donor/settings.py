"""Scenario section `donor:`: the donor game's rules and numbers.

Tags in field descriptions: [V&H] Vallinder & Hughes 2024 (arXiv 2412.10270) and their
code (github.com/aronvallinder/llm-donor-game); [O] our own default.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, ValidationInfo, model_validator

from society.scenario._base import Strict, rule_error


class DonorSettings(Strict):
    """The donor game (society/games/donor/README.md)."""

    variant: Literal["none", "costly_punishment", "partner_choice"] = Field(
        "none",
        description="What a donor may do besides giving: nothing else ('none'), spend units to "
        "take punishment_loss× as many from the recipient ('costly_punishment'), or refuse to "
        "interact ('partner_choice') [V&H].",
    )
    endowment: float = Field(
        10.0,
        gt=0.0,
        description="Resources every agent holds at the start of each generation: 10 [V&H].",
    )
    cooperation_gain: float = Field(
        2.0,
        ge=0.0,
        description="The recipient receives this multiple of what the donor gives up: 2 [V&H].",
    )
    punishment_loss: float = Field(
        2.0,
        ge=0.0,
        description="In costly_punishment, each unit a donor spends takes this many from the recipient: 2 [V&H].",
    )
    generations: int = Field(10, ge=1, description="Generations played: 10 [V&H].")
    rounds_per_game: int = Field(
        12,
        ge=1,
        description="Rounds of each game: a whole number of bipartite round-robin schedules, "
        "each N rounds for N agents (each agent donates N/2 times and receives N/2 times); "
        "12 agents, 12 rounds [V&H].",
    )
    games_per_generation: int = Field(
        2,
        ge=1,
        description="Games played by each generation; resources and traces start afresh each "
        "game, the second plays the first's pairs reversed, and agents are ranked by their "
        "resources after the last game: 2 [V&H `donorGame`].",
    )
    survivor_fraction: float = Field(
        0.5,
        gt=0.0,
        le=1.0,
        description="Share of agents, by final resources, who survive into the next generation "
        "(floor of fraction × N); the rest are replaced by newcomers: 0.5 [V&H].",
    )
    trace_depth: int = Field(
        3,
        ge=0,
        description="How many links of the recipient's chain of past donations a donor sees: 3 [V&H].",
    )

    @property
    def rounds_per_generation(self) -> int:
        return self.rounds_per_game * self.games_per_generation

    @property
    def total_rounds(self) -> int:
        return self.rounds_per_generation * self.generations

    def schedule_repeats(self, population: int) -> int:
        """How many times the N-round bipartite schedule is played in a game; a ValueError
        unless the population is even and rounds_per_game a multiple of it."""
        if population < 2 or population % 2:
            raise ValueError(
                f"the donor game pairs agents in two halves: it needs an even number of "
                f"agents, at least 2 (got {population})"
            )
        if self.rounds_per_game % population:
            raise ValueError(
                f"rounds_per_game ({self.rounds_per_game}) must be a multiple of "
                f"the number of agents ({population}): one bipartite schedule is {population} rounds"
            )
        return self.rounds_per_game // population

    @model_validator(mode="after")
    def _fits_population(self, info: ValidationInfo) -> DonorSettings:
        # The population is defined elsewhere in the scenario; the loader passes its size.
        population = (info.context or {}).get("population")
        if population is not None:
            try:
                self.schedule_repeats(population)
            except ValueError as error:
                raise rule_error(str(error), "rounds_per_game") from None
        return self
