"""What a donor-game agent is shown, as pydantic models (validated before every turn; the
prompts read them). Built from the plain dicts of `views.py`."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from society.games.donor.events import TraceLink


class _View(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    agent: str
    generation: int
    round: int  # the run's round (events are filed under it)
    persona: str = ""  # the persona's text for LLM agents ("" shows nothing)
    variant: str
    actions: list[str]
    gain: float
    punishment_loss: float
    endowment: float
    generations: int
    rounds: int  # per game
    games: int  # per generation
    population: int
    survivor_fraction: float
    trace_depth: int


class Recipient(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    resources: float
    trace: list[TraceLink]


class DonationObservation(_View):
    game: int
    game_round: int
    resources: float
    recipient: Recipient
    strategy: str | None = None  # an LLM agent's own words
    rule: dict[str, Any] | None = None  # a rule agent's numbers


class Inherited(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    agent: str
    score: float
    strategy: str | dict[str, Any]


class StrategyObservation(_View):
    inherited: list[Inherited] = Field(default_factory=list)
    persona_rule: dict[str, Any] | None = None  # a rule newcomer's numbers if none to copy
