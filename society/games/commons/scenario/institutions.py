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
    """How rule-based agents learn from consequences: Bush–Mosteller stochastic learning with
    an aspiration level (Macy & Flache 2002; docs/mechanics.md, "Rule agents' learning").
    After each round an agent compares its payoff change π (harvest net of consumption, of the
    fines it paid and of what monitoring and punishing cost it; minus `norm_weight` per unit
    taken above the norm) with its aspiration A. The stimulus
    s = (π − A) / (stimulus_scale · G(t)), clipped to [−1, 1], reinforces (s > 0) or inhibits
    (s < 0) each choice it made that round: keeping or breaking the norm (its `comply`
    propensity), inspecting or not (m, when it could inspect), punishing or not (p, when it
    knew a violator). A lesson for the norm (keeping it paid, breaking it hurt) also pulls the
    habitual effort toward the effort that would have kept it, by l·|s| of the gap; after a
    round without a sanction the habit creeps up by `greed`. So a larger fine deters more and
    costly enforcement is used less. A moves toward π by `habituation`; it starts at the first
    round's payoff change before fines and enforcement costs."""

    enabled: bool = Field(
        True, description="Rule agents adapt their strategy from consequences [P mechanism]."
    )
    greed: float = Field(
        0.01,
        ge=0.0,
        le=1.0,
        description="Temptation: habitual effort added after a round without a sanction [O].",
    )
    rate: float = Field(
        0.8,
        ge=0.0,
        le=1.0,
        description="l: Bush–Mosteller learning rate, how far one stimulus moves a propensity [O].",
    )
    habituation: float = Field(
        0.2,
        ge=0.0,
        le=1.0,
        description="h: how far the aspiration moves toward each round's payoff change (0 keeps it fixed) [O].",
    )
    stimulus_scale: float = Field(
        2.0,
        gt=0.0,
        le=100.0,
        description="A payoff gap of stimulus_scale · G(t) units (the norm in force) is the strongest stimulus [O].",
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
