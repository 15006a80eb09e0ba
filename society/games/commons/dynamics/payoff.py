"""Payoffs: harvest income, consumption, fines, and starvation."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Settlement:
    payoffs: dict[str, float]
    starved: list[str]


def settle(
    payoffs: Mapping[str, float],
    income: Mapping[str, float],
    consumption: float,
    starvation: bool,
) -> Settlement:
    """π_i += income_i − c for every listed (alive) agent; π_i < 0 starves the agent."""
    updated = {
        agent: payoffs[agent] + income.get(agent, 0.0) - consumption for agent in sorted(payoffs)
    }
    starved = [agent for agent, value in updated.items() if starvation and value < 0.0]
    return Settlement(updated, starved)
