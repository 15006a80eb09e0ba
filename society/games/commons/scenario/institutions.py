"""Institutions a society may have (Ostrom's principles, docs/mechanics.md §3–4), and how rule-based
agents learn from consequences. Each institution is switched on and parameterised here.
Tags: [P] the social-learning CPR paper, [G] GovSim, [O] our own default.

The `institutions:` section is composed: one field per institution module registered for the
commons (its own six in `society/games/commons/institutions/`, and `society.institutions.*`;
see `society.core.institution.compose_settings`); the six the commons has always had keep
their place in a resolved scenario (`dump_position`). Each section's fields are documented in
its module."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field, model_validator

from society.core.institution import compose_settings, run_checks
from society.scenario._base import Stable, Strict

__all__ = [
    "ABLATION_SWITCHES",
    "Ablation",
    "FixedInstitutions",
    "Institutions",
    "Interventions",
    "RuleLearning",
]


class FixedInstitutions(Stable):
    """The base of the commons' `institutions:` section; `Institutions` adds one field per
    institution module registered for the commons (its own six among them)."""

    institution_checks: ClassVar[tuple[tuple[str, Any], ...]] = ()

    @model_validator(mode="after")
    def _institution_modules_fit(self) -> FixedInstitutions:
        run_checks(self)
        return self


# Built once, at import: every registered institution of the commons.
Institutions: Any = compose_settings(FixedInstitutions, "commons", "Institutions")


class RuleLearning(Strict):
    """How rule-based agents learn from consequences, round by round [O: our rule, documented]:
    - harvesting: effort creeps up by `greed` after a round without a sanction (temptation);
      after a sanction the agent cuts its effort so that last round's harvest would have been
      `comply_margin` below the norm (deterrence);
    - monitoring: the propensity rises by `monitor_step` when an inspection catches a
      violator and falls by it when a paid inspection finds none;
    - norms: the personal norm (what the agent proposes and votes for) shrinks by `norm_step`
      when the resource visibly shrinks and grows by it when the resource grows."""

    enabled: bool = Field(
        True, description="Rule agents adapt their strategy from consequences [P mechanism]."
    )
    greed: float = Field(
        0.01, ge=0.0, le=1.0, description="Effort added after an unsanctioned round [O]."
    )
    comply_margin: float = Field(
        0.1, ge=0.0, le=1.0, description="After a sanction, aim this fraction below the norm [O]."
    )
    monitor_step: float = Field(
        0.02, ge=0.0, le=1.0, description="Change of the monitoring propensity [O]."
    )
    norm_step: float = Field(
        0.1,
        ge=0.0,
        le=1.0,
        description="Relative change of the personal norm when the resource visibly shrinks (down) or grows (up) [O].",
    )


class Interventions(Strict):
    """GovSim's interventions. A greedy newcomer is a population group with `joins_at` > 1;
    'no communication' is the town hall switched off."""

    universalization: bool = Field(
        False,
        description="Always remind agents: if everyone takes more than the sustainable share f(t)/N, the resource shrinks next round [G].",
    )


Ablation = Literal["full", "social_learning_only", "voting_only", "neither"]

ABLATION_SWITCHES: dict[str, tuple[bool, bool]] = {
    # ablation -> (social learning on, voting on), as in the paper's four arms [P]
    "full": (True, True),
    "social_learning_only": (True, False),
    "voting_only": (False, True),
    "neither": (False, False),
}
