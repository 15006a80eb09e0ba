"""Shared base of scenario sections and the rule-error helper."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict
from pydantic_core import PydanticCustomError


def rule_error(message: str, *at: str | int) -> PydanticCustomError:
    """A rule violation that the loader reports at the field `at` (relative to the validated
    model or field), so the error names that field's line rather than the enclosing section."""
    return PydanticCustomError("scenario_rule", message, {"at": at})


class Strict(BaseModel):
    """Base for every scenario section: unknown keys are errors, not silently ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)
