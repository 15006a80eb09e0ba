"""Resolving simultaneous harvest decisions against the stock."""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class HarvestOutcome:
    """What each agent asked for and got. `rationed` is true when demand exceeded the stock."""

    stock_before: float
    requested: dict[str, float]
    harvested: dict[str, float]
    rationed: bool

    @property
    def total(self) -> float:
        return sum(self.harvested.values())

    @property
    def stock_after(self) -> float:
        # Rounding can leave -1e-15; the stock is never negative.
        return max(0.0, self.stock_before - self.total)


def resolve_effort(
    stock: float, efforts: Mapping[str, float], productivity: float
) -> HarvestOutcome:
    """h_i = α·e_i·R; when Σh exceeds R every harvest is scaled down in proportion."""
    for agent, effort in efforts.items():
        if not 0.0 <= effort <= 1.0:
            raise ValueError(f"effort of {agent} must be in [0, 1], got {effort}")
    requested = {agent: productivity * effort * stock for agent, effort in sorted(efforts.items())}
    demand = sum(requested.values())
    if demand <= stock:
        return HarvestOutcome(stock, requested, dict(requested), rationed=False)
    return HarvestOutcome(stock, requested, _scaled_to_fit(requested, stock, demand), rationed=True)


def _scaled_to_fit(requested: dict[str, float], stock: float, demand: float) -> dict[str, float]:
    """Every request times R/Σh. The rounded products can add up to a few ulps above R, so the
    scale is nudged down (by a step that doubles each time) until Σh ≤ R holds exactly."""
    scale = stock / demand
    step = 2.0**-52
    while True:
        harvested = {agent: amount * scale for agent, amount in requested.items()}
        if scale <= 0.0 or sum(harvested.values()) <= stock:
            return harvested
        scale *= 1.0 - step
        step = min(1.0, 2.0 * step)


def resolve_amounts(stock: float, asks: Mapping[str, int], rng: random.Random) -> HarvestOutcome:
    """GovSim: integer asks; if they exceed the stock, whole units go one at a time to a random
    agent that still wants more, until the stock's whole units run out."""
    for agent, ask in asks.items():
        if ask < 0:
            raise ValueError(f"ask of {agent} must be ≥ 0, got {ask}")
    requested = {agent: float(ask) for agent, ask in sorted(asks.items())}
    available = int(stock)
    if sum(asks.values()) <= available:
        return HarvestOutcome(stock, requested, dict(requested), rationed=False)
    granted = dict.fromkeys(requested, 0)
    wanting = [agent for agent in requested if asks[agent] > 0]
    for _ in range(available):
        agent = rng.choice(wanting)
        granted[agent] += 1
        if granted[agent] == asks[agent]:
            wanting.remove(agent)
    return HarvestOutcome(
        stock, requested, {a: float(n) for a, n in granted.items()}, rationed=True
    )
