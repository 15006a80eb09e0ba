"""The parameters the dynamics read, as structural types: any object with these attributes
will do (the scenario's `commons:` section is one), so the dynamics import no schema."""

from __future__ import annotations

from typing import Protocol


class RegrowthRule(Protocol):
    kind: str  # "logistic" (uses `rate`) or "doubling" (uses `factor`)


class CollapseRule(Protocol):
    below: float
    checked: str  # "after_harvest" or "after_regrowth"


class CommonsParams(Protocol):
    capacity: float
    regrowth: RegrowthRule
    collapse: CollapseRule
    end_on_death: bool
