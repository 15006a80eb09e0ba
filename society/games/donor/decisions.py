"""Typed decisions of the donor game, read from a mind (rules or model).

Validators read the phase's facts from the validation context, as in
society.core.decision: `variant` (which actions exist this game). A reply with an
action the variant lacks is rejected with a precise error and re-asked, never coerced.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from society.core.decision import RATIONALE_MAX, Choice, DecisionModel, Limit
from society.games.donor.dynamics import allowed_actions

STRATEGY_MAX = 600


def _variant(info: ValidationInfo) -> str | None:
    return (info.context or {}).get("variant")


class Donation(DecisionModel):
    """A donor's move: give (or spend on punishment) a fraction of its own resources, or refuse."""

    action: Literal["donate", "punish", "refuse"] = Field(
        description="'donate' gives to the recipient; 'punish' (only where punishment exists) "
        "spends to take resources away; 'refuse' (only where refusing exists) means no interaction."
    )
    fraction: float = Field(
        ge=0.0,
        le=1.0,
        description="Share of your own resources to give up (donate) or spend (punish), from 0 to 1; 0 when you refuse.",
    )
    rationale: str = Field(
        min_length=1, max_length=RATIONALE_MAX, description="One or two sentences: why."
    )

    @classmethod
    def choices(cls, context: dict[str, Any]) -> tuple[Choice, ...]:
        variant = context.get("variant")
        return () if variant is None else ((("action",), allowed_actions(variant)),)

    @field_validator("action")
    @classmethod
    def _exists_in_variant(cls, action: str, info: ValidationInfo) -> str:
        variant = _variant(info)
        if variant is None:  # built in code, not read from a mind: nothing to check against
            return action
        allowed = allowed_actions(variant)
        if action not in allowed:
            raise ValueError(
                f"'{action}' is not possible in this game; the action must be one of: {', '.join(allowed)}"
            )
        return action

    @model_validator(mode="after")
    def _refusal_gives_nothing(self) -> Donation:
        if self.action == "refuse" and self.fraction != 0.0:
            raise ValueError("a refusal gives nothing: set 'fraction' to 0 when you refuse")
        return self


class StrategyText(DecisionModel):
    """A newcomer's (LLM's) strategy for the whole generation, written before it plays."""

    strategy: str = Field(
        min_length=1,
        max_length=STRATEGY_MAX,
        description="Your strategy, in one or two sentences beginning 'My strategy will be'.",
    )
    rationale: str = Field(
        min_length=1,
        max_length=RATIONALE_MAX,
        description="Briefly: why this strategy should do well (and, if you read others' advice, how it improves on it).",
    )

    @classmethod
    def limits(cls, context: dict[str, Any]) -> tuple[Limit, ...]:
        return ((("strategy",), (("maxLength", STRATEGY_MAX),)),)


class RuleStrategy(DecisionModel):
    """A rule agent's strategy: the numbers its donation rule reads (see rules.py)."""

    kind: Literal["fixed", "reciprocator"]
    fraction: float = Field(
        ge=0.0, le=1.0, description="Share given to an unknown or cooperative recipient at gain 2."
    )
    threshold: float = Field(
        0.3, ge=0.0, le=1.0, description="A recipient who last gave less than this is a defector."
    )
    punish_probability: float = Field(
        0.0, ge=0.0, le=1.0, description="Chance of punishing a defector at punishment loss 2."
    )
    punish_fraction: float = Field(
        0.1, ge=0.0, le=1.0, description="Share of own resources spent on one punishment."
    )
    copied_from: str | None = Field(None, description="The survivor whose numbers were copied.")
    rationale: str = Field(min_length=1, max_length=RATIONALE_MAX)
