"""The public-goods game's arithmetic and its rule agents' arithmetic: plain values in,
plain values out (no state, no events)."""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any


def stage_payoffs(
    contributions: Mapping[str, float], endowment: float, multiplier: float
) -> tuple[float, float, dict[str, float]]:
    """(pot, share, payoff per member): each member keeps endowment − c_i and gets an equal
    share of multiplier · Σc [FG2000]. The members are those who contributed this round."""
    total = sum(contributions.values())
    pot = multiplier * total
    share = pot / len(contributions) if contributions else 0.0
    return pot, share, {a: endowment - c + share for a, c in sorted(contributions.items())}


def efficiency(mean_payoff: float, endowment: float, multiplier: float) -> float | None:
    """The share of the gains from cooperation realised: 0 when nobody contributes (each keeps
    the endowment), 1 when everyone contributes everything (each earns multiplier × endowment);
    negative when punishment destroys more than contributions create. None when contributing
    creates nothing (multiplier ≤ 1)."""
    if multiplier <= 1.0:
        return None
    return (mean_payoff - endowment) / ((multiplier - 1.0) * endowment)


def others_mean(contributions: Mapping[str, float], agent: str) -> float | None:
    others = [c for a, c in contributions.items() if a != agent]
    return sum(others) / len(others) if others else None


def rule_contribution(
    *,
    round_number: int,
    endowment: float,
    whole_units: bool,
    rule: Mapping[str, Any],
    floor: float,
    last_own: float | None,
    last_others_mean: float | None,
    rng: random.Random,
) -> float:
    """A rule agent's contribution [O]: its initial share in round 1; then it moves `adjust`
    of the way from its own last contribution to `match` × the others' mean of last round
    (conditional cooperation), never below the floor it learnt from punishment; a tremble of
    sd `noise` × endowment; clamped to [0, endowment]."""
    if round_number == 1 or last_others_mean is None:
        planned = rule["initial"] * endowment
    else:
        target = rule["match"] * last_others_mean
        start = target if last_own is None else last_own
        planned = start + rule["adjust"] * (target - start)
    planned = max(planned, floor) + rng.gauss(0.0, rule["noise"] * endowment)
    planned = min(endowment, max(0.0, planned))
    return float(int(planned + 0.5)) if whole_units else round(planned, 6)


def next_floor(
    *,
    floor: float,
    contribution: float,
    others: float | None,
    lost: float,
    mpcr: float,
    rule: Mapping[str, Any],
) -> float:
    """The contribution below which a rule agent expects punishment not to pay [O].

    Punished (`lost` > 0) after contributing below the others' mean, it sees what each token
    withheld cost it (lost / shortfall) against what that token saved it (1 − MPCR): the
    floor moves towards the others' mean by `learn`, in full when withholding cost at least
    what it saved and in proportion when less. Unpunished, the floor fades by `forget`."""
    if lost <= 0.0:
        return round(floor * (1.0 - rule["forget"]), 6)
    if others is None or contribution >= others:
        return floor  # punished though not below the mean: nothing to learn about withholding
    saved = max(1.0 - mpcr, 1e-9)
    rate = lost / (others - contribution)
    weight = rule["learn"] * min(1.0, rate / saved)
    return round(floor + weight * max(0.0, others - floor), 6)
