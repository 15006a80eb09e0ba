"""The commons' event kinds: the harvest, the economy and the institutions' outcomes.
Listed in `EVENTS` for the game (`Game.event_types`)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from society.transcript.events import Event


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


class Inspection(Event):
    """A monitor learned a peer's harvest this round."""

    kind: Literal["inspection"] = "inspection"
    monitor: str
    target: str
    harvest: float
    norm_limit: float
    violated: bool
    cost: float


class ClaimRecord(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    about: str
    round: int
    harvest: float


class MessageSent(Event):
    """Gossip: delivered to the recipients as data; it never changes the rules."""

    kind: Literal["message"] = "message"
    sender: str
    to: str
    recipients: list[str]
    text: str
    claims: list[ClaimRecord]


class SanctionApplied(Event):
    kind: Literal["sanction"] = "sanction"
    punisher: str
    target: str
    target_harvest: float | None
    norm_limit: float
    step: int
    sanction: Literal["warning", "fine", "exclusion"]
    punisher_cost: float
    fine: float
    exclusion_rounds: int


class BallotDrawn(Event):
    """The proposals of this round, in agent-id order, as voters see them."""

    kind: Literal["ballot"] = "ballot"
    proposals: dict[str, dict[str, Any]]


class VoteResolved(Event):
    kind: Literal["vote"] = "vote"
    votes: dict[str, str]
    counts: dict[str, int]
    winner: str | None
    tied: list[str]


class NormAdopted(Event):
    """The winning proposal's text, broadcast verbatim; its limit is G(t+1)."""

    kind: Literal["norm_adopted"] = "norm_adopted"
    proposal: str
    proposer: str
    text: str
    limit: float
    previous_limit: float


class StrategyUpdated(Event):
    """Individual and social learning: an agent's strategy before and after, and whom it
    compared itself with or followed."""

    kind: Literal["strategy_updated"] = "strategy_updated"
    agent: str
    followed: str | None
    copied: bool
    copy_probability: float | None
    before: dict[str, Any]
    after: dict[str, Any]


class TownHallOpened(Event):
    kind: Literal["town_hall_opened"] = "town_hall_opened"
    catches: dict[str, float] | None
    first_speaker: str


class UtteranceMade(Event):
    kind: Literal["utterance"] = "utterance"
    speaker: str
    text: str
    proposed_limit: float | None
    next_speaker: str | None


class AgreementNoted(Event):
    """What an agent wrote down after the town hall; it keeps it in mind next round."""

    kind: Literal["agreement"] = "agreement"
    agent: str
    summary: str
    agreed_limit: float | None


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
    Inspection,
    MessageSent,
    SanctionApplied,
    BallotDrawn,
    VoteResolved,
    NormAdopted,
    StrategyUpdated,
    TownHallOpened,
    UtteranceMade,
    AgreementNoted,
    PayoffsSettled,
    AgentDied,
    Regrowth,
    RoundFinished,
)
