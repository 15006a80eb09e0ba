"""The public-goods game's decision: how much of the endowment to contribute. Validators
read the phase's facts (`endowment`, `whole_units`): an amount above the endowment, below 0
or (with whole units) a fraction is rejected with a precise error and re-asked, never
rounded or clamped."""

from __future__ import annotations

from pydantic import Field, ValidationInfo, field_validator

from society.core.decision import RATIONALE_MAX, DecisionModel, context_of


class Contribution(DecisionModel):
    """What a member puts into the project this round."""

    contribution: float = Field(
        ge=0.0, description="Tokens you contribute to the project, from 0 to your endowment."
    )
    rationale: str = Field(
        min_length=1, max_length=RATIONALE_MAX, description="One or two sentences: why."
    )

    @field_validator("contribution")
    @classmethod
    def _fits_the_endowment(cls, amount: float, info: ValidationInfo) -> float:
        facts = context_of(info)
        endowment = facts.get("endowment")
        if endowment is None:  # built in code, not read from a mind
            return amount
        if amount > endowment:
            raise ValueError(f"you can contribute at most your endowment, {endowment:g}")
        if facts.get("whole_units") and amount != int(amount):
            raise ValueError(f"contribute a whole number of tokens, 0 to {endowment:g}")
        return amount
