"""The matrix game's one decision: a move, validated against the matrix's actions."""

from __future__ import annotations

from typing import Any

from pydantic import Field, ValidationInfo, field_validator

from society.core.decision import RATIONALE_MAX, Choice, DecisionModel


class Move(DecisionModel):
    """A player's action this round."""

    action: str = Field(description="The name of the action you choose.")
    rationale: str = Field(min_length=1, max_length=RATIONALE_MAX, description="One sentence: why.")

    @classmethod
    def choices(cls, context: dict[str, Any]) -> tuple[Choice, ...]:
        actions = context.get("actions")
        return () if actions is None else ((("action",), tuple(actions)),)

    @field_validator("action")
    @classmethod
    def _an_action_of_the_matrix(cls, action: str, info: ValidationInfo) -> str:
        actions = (info.context or {}).get("actions")
        if actions is None:  # built in code, not read from a mind
            return action
        if action not in actions:
            raise ValueError(
                f"{action!r} is not an action of this game; answer with one of: "
                + ", ".join(repr(a) for a in actions)
            )
        return action
