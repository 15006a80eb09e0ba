"""Regrowth of the stock between rounds."""

from __future__ import annotations

from society.games.commons.dynamics.params import CommonsParams


def logistic(stock: float, rate: float, capacity: float) -> float:
    """R' + r·R'·(1 − R'/K), never above K nor below 0."""
    if stock <= 0.0:
        return 0.0
    grown = stock + rate * stock * (1.0 - stock / capacity)
    return min(capacity, max(0.0, grown))


def doubling(stock: float, factor: float, capacity: float) -> float:
    """GovSim: min(K, factor·R')."""
    return min(capacity, max(0.0, factor * stock))


def regrow(stock: float, commons: CommonsParams) -> float:
    rule = commons.regrowth
    if rule.kind == "logistic":
        return logistic(stock, rule.rate, commons.capacity)
    if rule.kind == "doubling":
        return doubling(stock, rule.factor, commons.capacity)
    raise TypeError(f"unknown regrowth rule {rule!r}")
