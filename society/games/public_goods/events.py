"""The public-goods game's event kinds (listed in `EVENTS` for `Game.event_types`)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from society.transcript.events import Event


class ContributionsMade(Event):
    """The round's contributions and what the project returned: each member who contributed
    keeps endowment − c_i and gets `share` (multiplier × total / members)."""

    kind: Literal["contributions"] = "contributions"
    contributions: dict[str, float]
    total: float
    pot: float
    share: float
    stage_payoffs: dict[str, float]
    failed: list[str] = Field(default_factory=list)  # no usable decision: sat the round out


class PublicGoodsRoundFinished(Event):
    """Each member's payoff this round (the project and any punishment) and its total."""

    kind: Literal["public_goods_round"] = "public_goods_round"
    payoffs: dict[str, float]
    totals: dict[str, float]
    mean_contribution: float
    end_reason: str | None = None


EVENTS: tuple[type[Event], ...] = (ContributionsMade, PublicGoodsRoundFinished)
