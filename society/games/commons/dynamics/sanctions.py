"""Graduated sanctions (Ostrom's 5th principle): the step grows with an offender's record."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

SanctionKind = Literal["warning", "fine", "exclusion"]


@dataclass(frozen=True)
class LadderStep:
    kind: SanctionKind
    fine_multiple: float = 0.0  # of the base fine φ
    exclusion_rounds: int = 0


@dataclass(frozen=True)
class SanctionOutcome:
    """One punishment: what the punisher pays and what the target suffers."""

    punisher: str
    target: str
    step: int
    kind: SanctionKind
    punisher_cost: float
    fine: float
    exclusion_rounds: int


def ladder_step(ladder: Sequence[LadderStep], prior_offences: int) -> tuple[int, LadderStep]:
    """The step for an agent already sanctioned in `prior_offences` earlier rounds; the last
    step repeats for every further offence."""
    if not ladder:
        raise ValueError("the sanction ladder needs at least one step")
    index = min(max(0, prior_offences), len(ladder) - 1)
    return index, ladder[index]


def sanction(
    punisher: str,
    target: str,
    ladder: Sequence[LadderStep],
    prior_offences: int,
    cost: float,
    base_fine: float,
) -> SanctionOutcome:
    """Punishing costs the punisher κ whatever the step; the target pays the step's fine
    (a multiple of φ) or is excluded from harvesting for some rounds."""
    index, step = ladder_step(ladder, prior_offences)
    return SanctionOutcome(
        punisher=punisher,
        target=target,
        step=index,
        kind=step.kind,
        punisher_cost=cost,
        fine=step.fine_multiple * base_fine if step.kind == "fine" else 0.0,
        exclusion_rounds=step.exclusion_rounds if step.kind == "exclusion" else 0,
    )


def violates(harvest: float, limit: float) -> bool:
    """A harvest above the group norm G(t) breaks it (a tiny tolerance absorbs rounding)."""
    return harvest > limit + 1e-9
