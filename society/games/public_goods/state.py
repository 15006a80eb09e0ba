"""The public-goods game's coordinator state: the core's plus this round's contributions and
payoffs and every member's totals; plain, JSON-serialisable data (a checkpoint stores it)."""

from __future__ import annotations

from typing import Any, TypedDict

from society.core.state import CoreState


class PublicGoodsAgent(TypedDict):
    group: str
    persona: str
    joins_at: int
    alive: bool
    floor: float  # rule agents: the contribution below which they expect punishment to bite


class PublicGoodsState(CoreState):
    agents: dict[str, PublicGoodsAgent]  # type: ignore[misc]
    contributions: dict[str, float]  # this round's, by members with a usable decision
    failed: list[str]  # members without a usable contribution this round (they sit it out)
    stage_payoffs: dict[str, float]  # this round's, after the project
    sanctions: dict[str, dict[str, float]]  # this round's punishment: {spent, points, lost}
    payoffs: dict[str, float]  # every member's total over the rounds played
    history: list[dict[str, Any]]  # the last rounds (at most 10): round_record() of each


HISTORY_KEPT = 10  # the most rounds a prompt may show (public_goods.history_shown)


def round_record(state: PublicGoodsState, payoffs: dict[str, float]) -> dict[str, Any]:
    return {
        "round": state["round"],
        "contributions": dict(state["contributions"]),
        "payoffs": payoffs,
        "sanctions": {a: dict(s) for a, s in state["sanctions"].items()},
    }
