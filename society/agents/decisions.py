"""Typed decisions: everything read from a mind (rules or model) is one of these models."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

RATIONALE_MAX = 600


class DecisionModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class EffortHarvest(DecisionModel):
    """How hard to harvest this round, as a fraction of one's full capacity."""

    effort: float = Field(
        ge=0.0, le=1.0, description="Fraction of full harvesting effort, from 0 to 1."
    )
    rationale: str = Field(
        min_length=1, max_length=RATIONALE_MAX, description="One or two sentences: why."
    )


class AmountHarvest(DecisionModel):
    """How many whole units to take from the commons this round."""

    amount: int = Field(ge=0, description="Whole units to take, from 0 to the current stock.")
    rationale: str = Field(
        min_length=1, max_length=RATIONALE_MAX, description="One or two sentences: why."
    )

    @field_validator("amount")
    @classmethod
    def _within_stock(cls, amount: int, info: ValidationInfo) -> int:
        limit = (info.context or {}).get("max_amount")
        if limit is not None and amount > limit:
            raise ValueError(f"amount must be between 0 and {limit}, the units available now")
        return amount


HARVEST_DECISIONS: dict[str, type[DecisionModel]] = {
    "effort": EffortHarvest,
    "amount": AmountHarvest,
}
