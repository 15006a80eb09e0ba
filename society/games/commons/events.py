"""The commons' own event kinds: the round, the harvest and the economy, listed in `EVENTS`
for the game (`Game.event_types`). Each institution's kinds live in its module
(`society.institutions.*`, found through `society.core.institution.event_types`); they are
re-exported here for code that reads a commons transcript."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from society.games.commons.generation_events import AgentRetired, GenerationTurnover
from society.games.commons.institutions.gossip import ClaimRecord, MessageSent
from society.games.commons.institutions.monitoring import Inspection
from society.games.commons.institutions.sanctions import SanctionApplied
from society.games.commons.institutions.social_learning import StrategyUpdated
from society.games.commons.institutions.town_hall import (
    AgreementNoted,
    TownHallOpened,
    UtteranceMade,
)
from society.games.commons.institutions.voting import BallotDrawn, NormAdopted, VoteResolved
from society.transcript.events import Event

__all__ = [
    "EVENTS",
    "AgentDied",
    "AgentRetired",
    "AgreementNoted",
    "BallotDrawn",
    "ClaimRecord",
    "GenerationTurnover",
    "HarvestResolved",
    "Inspection",
    "MessageSent",
    "NormAdopted",
    "PayoffsSettled",
    "Regrowth",
    "RoundFinished",
    "RoundStarted",
    "SanctionApplied",
    "StrategyUpdated",
    "TownHallOpened",
    "UtteranceMade",
    "VoteResolved",
]


class RoundStarted(Event):
    kind: Literal["round_started"] = "round_started"
    stock: float
    alive: list[str]
    norm_limit: float | None = None  # G(t) in force this round
    norm_text: str | None = None
    excluded: list[str] = Field(default_factory=list)


class HarvestResolved(Event):
    kind: Literal["harvest_resolved"] = "harvest_resolved"
    stock_before: float
    stock_after: float
    requested: dict[str, float]
    harvested: dict[str, float]
    rationed: bool
    skipped: list[str]
    excluded: list[str] = Field(default_factory=list)


class PayoffsSettled(Event):
    kind: Literal["payoffs_settled"] = "payoffs_settled"
    consumption: float
    payoffs: dict[str, float]
    starved: list[str]


class AgentDied(Event):
    kind: Literal["agent_died"] = "agent_died"
    agent: str
    payoff: float


class Regrowth(Event):
    kind: Literal["regrowth"] = "regrowth"
    stock_before: float
    stock_after: float


class RoundFinished(Event):
    kind: Literal["round_finished"] = "round_finished"
    stock: float
    alive: list[str]
    end_reason: str | None


EVENTS: tuple[type[Event], ...] = (
    RoundStarted,
    HarvestResolved,
    PayoffsSettled,
    AgentDied,
    Regrowth,
    RoundFinished,
    AgentRetired,
    GenerationTurnover,
)
