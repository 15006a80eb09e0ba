"""Typed decisions of the commons' own turns (the harvest, the reflection); each institution's
live in its module. Everything read from a mind (rules or model) is one of these models.

Validators read the phase's facts from the validation context (who may be inspected, which
proposals are on the ballot...), so a reply naming a stranger or an impossible amount is
rejected with a precise error and re-asked, never clamped into something legal.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, ValidationInfo, field_validator

from society.core.decision import RATIONALE_MAX, DecisionModel, Limit
from society.core.decision import context_of as _context
from society.games.commons.institutions.gossip import EVERYONE, Claim, Message, Respond
from society.games.commons.institutions.monitoring import Inspects
from society.games.commons.institutions.social_learning import Revision, RuleUpdate
from society.games.commons.institutions.town_hall import Agreement, Utterance
from society.games.commons.institutions.voting import Proposal, Vote

# The decisions of each institution's turns live in its module; re-exported here.
__all__ = [
    "EVERYONE",
    "HARVEST_DECISIONS",
    "Agreement",
    "AmountHarvest",
    "Claim",
    "DecisionModel",
    "EffortHarvest",
    "Message",
    "Proposal",
    "Reflection",
    "Respond",
    "Revision",
    "RuleUpdate",
    "Utterance",
    "Vote",
]


class EffortHarvest(Inspects):
    """How hard to harvest this round, as a fraction of one's full capacity."""

    effort: float = Field(
        ge=0.0, le=1.0, description="Fraction of full harvesting effort, from 0 to 1."
    )
    inspect: str | None = Field(
        None, description="A member whose harvest you inspect this round, or null."
    )
    rationale: str = Field(
        min_length=1, max_length=RATIONALE_MAX, description="One or two sentences: why."
    )


class AmountHarvest(Inspects):
    """How many whole units to take from the commons this round."""

    amount: int = Field(ge=0, description="Whole units to take, from 0 to the current stock.")
    inspect: str | None = Field(
        None, description="A member whose catch you inspect this round, or null."
    )
    rationale: str = Field(
        min_length=1, max_length=RATIONALE_MAX, description="One or two sentences: why."
    )

    @classmethod
    def limits(cls, context: dict[str, Any]) -> tuple[Limit, ...]:
        most = context.get("max_amount")
        return () if most is None else ((("amount",), (("maximum", most),)),)

    @field_validator("amount")
    @classmethod
    def _within_stock(cls, amount: int, info: ValidationInfo) -> int:
        limit = _context(info).get("max_amount")
        if limit is not None and amount > limit:
            raise ValueError(f"amount must be between 0 and {limit}, the units available now")
        return amount


class Reflection(DecisionModel):
    """An LLM agent's end-of-round insight, stored as a memory of kind 'reflection'."""

    insight: str = Field(
        min_length=1,
        max_length=400,
        description="One or two sentences: what you have learned from recent rounds.",
    )
    importance: int = Field(
        ge=1, le=10, description="How important this insight is for you, from 1 to 10."
    )


HARVEST_DECISIONS: dict[str, type[DecisionModel]] = {
    "effort": EffortHarvest,
    "amount": AmountHarvest,
}
