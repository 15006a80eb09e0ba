"""Scenario section `generations:`: the commons' population renewed generation by generation.

Every seat's member lives `rounds_per_generation` rounds, then retires and a successor takes
its seat (`society.core.generations`, seats: agents are named `<generation>_<seat>`). What the
successor inherits from the member it replaces is chosen in `inherit`. Motivation: a
memory-inheritance follow-up of GovSim reported survival about 154 % longer when a new
generation inherited its elders' memories; its set-up is not published in full, so every
value here is our own [O].
"""

from __future__ import annotations

import math
from typing import Literal

from pydantic import Field

from society.scenario._base import Strict

Inheritable = Literal["memories", "strategies", "norms"]
INHERITABLE: tuple[str, ...] = ("memories", "strategies", "norms")


class Generations(Strict):
    """How long a generation lives, how many there are and what passes on (docs/mechanics.md)."""

    rounds_per_generation: int = Field(
        ge=1,
        le=10_000,
        description="Rounds each generation lives before every member retires and its seat's "
        "successor takes over [O].",
    )
    count: int | None = Field(
        None,
        ge=1,
        le=1_000,
        description="How many generations the run may have. Default: as many as the run's "
        "rounds need, ceil(rounds / rounds_per_generation), so `--rounds` changes it [O].",
    )
    inherit: list[Inheritable] = Field(
        default_factory=list,
        description="What a successor takes over from the member whose seat it takes: "
        "'memories' (the elder's episodic memories, copied and marked inherited), "
        "'strategies' (a rule agent's numbers, an LLM agent's strategy text), 'norms' (the "
        "society's norm in force and the elder's personal norm; otherwise both reset to the "
        "scenario's norm and the persona's). Default: nothing [O].",
    )
    max_memories: int = Field(
        40,
        ge=1,
        le=1_000,
        description="At most this many of the elder's memories pass on, the latest first "
        "kept (bounds the successor's store and recall) [O].",
    )

    def total(self, rounds: int) -> int:
        """The number of generations of a run of `rounds` rounds."""
        return self.count or max(1, math.ceil(rounds / self.rounds_per_generation))

    def inherits(self, what: str) -> bool:
        return what in self.inherit

    def generation_of(self, round_number: int) -> int:
        """The generation living in `round_number` (1-based; round 0 belongs to the first)."""
        return max(0, round_number - 1) // self.rounds_per_generation + 1

    def starts_generation(self, round_number: int) -> bool:
        """Whether a new generation (after the first) takes over at `round_number`."""
        return round_number > 1 and (round_number - 1) % self.rounds_per_generation == 0
