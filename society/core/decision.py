"""Typed decisions: everything read from a mind (rules or model) is a `DecisionModel`.

Validators read the phase's facts from the validation context (who may be named, what may be
asked...), so a reply naming a stranger or an impossible amount is rejected with a precise
error and re-asked, never clamped into something legal. Each game defines its decisions on
this base (e.g. `society.games.commons.decisions`).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationInfo

RATIONALE_MAX = 600
TEXT_MAX = 4000


# A field (a path through nested models and lists) and the values the phase allows for it.
Choice = tuple[tuple[str, ...], tuple[str | None, ...]]
# A field and JSON Schema keywords that bound it this phase, e.g. (("messages",), (("maxItems", 2),)).
Limit = tuple[tuple[str, ...], tuple[tuple[str, int | bool], ...]]


class DecisionModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    @classmethod
    def choices(cls, context: dict[str, Any]) -> tuple[Choice, ...]:
        """The values this phase allows for fields that name a member or a proposal, from the
        same facts the validators check against. Backends with structured output put them in
        the schema as enums, so a server with constrained decoding cannot answer otherwise."""
        return ()

    @classmethod
    def limits(cls, context: dict[str, Any]) -> tuple[Limit, ...]:
        """This phase's bounds on counts and lengths (the caps the validators enforce), as
        JSON Schema keywords for structured output."""
        return ()


def context_of(info: ValidationInfo) -> dict[str, Any]:
    return info.context or {}
