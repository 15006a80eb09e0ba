"""What a public-goods member is shown before contributing (validated before every turn; the
prompt reads it). Built by `views.contribution_view`."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class OtherContribution(_Frozen):
    member: str
    amount: float


class PastRound(_Frozen):
    """One past round as this member saw it."""

    round: int
    own: float | None  # None: it sat the round out (no usable decision)
    others: list[OtherContribution] | None  # each other member's (visibility: individual)
    others_total: float
    others_mean: float | None
    payoff: float  # its payoff that round, after any punishment
    points_received: int = 0
    lost: float = 0.0
    spent: float = 0.0


class PunishmentRules(_Frozen):
    cost: float
    effect: float
    max_points_per_target: int
    max_points: int | None = None


class ContributionView(_Frozen):
    agent: str
    round: int
    rounds: int
    persona: str = ""
    members: int
    endowment: float
    multiplier: float
    mpcr: float
    whole_units: bool
    visibility: str
    unit: str
    punishment: PunishmentRules | None = None
    total_payoff: float
    history: list[PastRound] = Field(default_factory=list)
    # Rule agents' numbers (LLM prompts do not show them).
    rule: dict[str, Any]
    floor: float
    last_own: float | None = None  # its own contribution last round (None: none made)
    last_others_mean: float | None = None
