"""Coordinator state: plain, JSON-serialisable data, so a checkpointer can store it."""

from __future__ import annotations

from typing import Annotated, Any, TypedDict


def merge_outcomes(current: dict[str, Any], update: dict[str, Any] | None) -> dict[str, Any]:
    """Order-independent merge of per-agent outcomes (keys are agent ids); None clears."""
    if update is None:
        return {}
    return {**current, **update}


class AgentRecord(TypedDict):
    group: str
    persona: str
    alive: bool
    payoff: float
    strategy: dict[str, float]
    last_request: float | None
    last_harvest: float | None
    last_payoff_change: float | None


class SocietyState(TypedDict):
    round: int
    stock: float
    agents: dict[str, AgentRecord]
    outcomes: Annotated[dict[str, Any], merge_outcomes]
    end_reason: str | None
