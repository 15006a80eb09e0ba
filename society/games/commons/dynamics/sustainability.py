"""Sustainable reference quantities: MSY and GovSim's threshold f(t)."""

from __future__ import annotations

import math

from society.games.commons.dynamics.params import CommonsParams


def maximum_sustainable_yield(commons: CommonsParams) -> float:
    """Logistic: r·K/4 (at R = K/2). Doubling: K/2, the most the group can take from a full
    stock and still see it restored."""
    rule = commons.regrowth
    if rule.kind == "logistic":
        return rule.rate * commons.capacity / 4.0
    if rule.kind == "doubling":
        return commons.capacity * (1.0 - 1.0 / rule.factor)
    raise TypeError(f"unknown regrowth rule {rule!r}")


def sustainable_threshold(stock: float, commons: CommonsParams) -> float:
    """f(t): the group harvest this round that the commons can sustain.

    Doubling (GovSim [G]): the largest harvest after which regrowth restores the stock,
    R·(1 − 1/factor), i.e. R/2. Logistic: the maximum sustainable yield r·K/4 [P reference];
    a logistic stock at K can never be fully restored after any harvest, so the restoring
    definition would make every harvest look excessive."""
    rule = commons.regrowth
    if rule.kind == "doubling":
        return stock * (1.0 - 1.0 / rule.factor)
    return maximum_sustainable_yield(commons)


def sustainable_share(stock: float, commons: CommonsParams, alive: int) -> float:
    """Per-agent sustainable harvest this round: f(t) / number alive."""
    return sustainable_threshold(stock, commons) / alive if alive else 0.0


def universalization_threshold(
    stock: float, commons: CommonsParams, alive: int, *, whole_units: bool
) -> float:
    """The per-member catch GovSim's universalization statement names: ⌊⌊f(t)⌋/N⌋ in whole
    units (for doubling by 2, ⌊⌊S/2⌋/N⌋ as GovSim computes it [G]); f(t)/N when harvests are
    continuous (effort commons) [O]."""
    if not alive:
        return 0.0
    if whole_units:
        return float(math.floor(sustainable_threshold(stock, commons)) // alive)
    return sustainable_share(stock, commons, alive)


def stock_signal(stock: float, capacity: float) -> str:
    """The coarse stock signal agents see when the exact stock is hidden [O thresholds]."""
    fraction = stock / capacity
    if fraction >= 0.75:
        return "plentiful"
    if fraction >= 0.4:
        return "moderate"
    if fraction >= 0.15:
        return "scarce"
    return "critical"


def stock_trend(previous: float | None, current: float, capacity: float) -> str:
    """Whether the resource visibly shrank or grew since the previous round: a change of
    more than 2% of capacity is visible [O]."""
    if previous is None:
        return "unknown"
    change = (current - previous) / capacity
    if change < -0.02:
        return "shrinking"
    if change > 0.02:
        return "growing"
    return "steady"
