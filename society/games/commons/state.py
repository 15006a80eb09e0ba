"""The commons' coordinator state: the core's (round, agents, outcomes, end reason) plus the
stock, the norm, the ballot and the town hall; plain, JSON-serialisable data."""

from __future__ import annotations

from typing import Any, NotRequired, TypedDict

from society.core.state import CoreState, alive, merge_outcomes

__all__ = [
    "AgentRecord",
    "NormState",
    "SocietyState",
    "alive",
    "copy_agents",
    "empty_news",
    "merge_outcomes",
]


class AgentRecord(TypedDict):
    group: str
    persona: str
    joins_at: int  # first round as a member (newcomers join later)
    alive: bool
    payoff: float
    payoff_at_round_start: float
    # effort, monitor, punish, noise, norm (units) and free-text strategy for LLM minds
    strategy: dict[str, Any]
    last_request: float | None
    last_effort: float | None  # effort commons: the effort of the last harvest
    last_harvest: float | None
    last_payoff_change: float | None
    offences: int  # rounds in which the agent was sanctioned (the ladder's position)
    excluded_until: int  # last round the agent may not harvest (0: never excluded)
    reputation: dict[str, float]  # peer -> belief that the peer keeps the norm
    reports: list[dict[str, Any]]  # violations heard of: {about, round, harvest, sender}
    news: dict[str, Any]  # what happened to the agent this round (observation.News)
    previous_news: dict[str, Any] | None
    agreement: dict[str, Any] | None  # noted after the last town hall (observation.AgreementNote)
    # With generations only: the round a member retired in, and a successor's lineage (whose
    # seat it took, what it inherited: society.games.commons.generations).
    retired: NotRequired[int]
    lineage: NotRequired[dict[str, Any]]


class NormState(TypedDict):
    text: str
    limit: float
    proposer: str | None
    adopted_round: int


class SocietyState(CoreState):
    stock: float
    round_start_stock: float | None  # at the start of this round
    previous_stock: float | None  # at the start of the previous round: the visible trend
    agents: dict[str, AgentRecord]  # type: ignore[misc]
    norm: NormState
    ballot: dict[str, dict[str, Any]]
    town_hall: dict[str, Any]  # the discussion under way: transcript, speaker, who has spoken


def copy_agents(state: SocietyState) -> dict[str, AgentRecord]:
    """A deep-enough copy for a node to change and return (nodes never mutate their input)."""
    copied: dict[str, AgentRecord] = {}
    for agent, record in state["agents"].items():
        fresh = dict(record)
        fresh["strategy"] = dict(record["strategy"])
        fresh["reputation"] = dict(record["reputation"])
        fresh["reports"] = list(record["reports"])
        fresh["news"] = _copy_news(record["news"])
        copied[agent] = fresh  # type: ignore[assignment]
    return copied


def _copy_news(news: dict[str, Any]) -> dict[str, Any]:
    return {key: list(value) if isinstance(value, list) else value for key, value in news.items()}


def empty_news(round_number: int) -> dict[str, Any]:
    return {
        "round": round_number,
        "harvest": None,
        "norm_limit": None,
        "inspection": None,
        "heard": [],
        "sanctions_received": [],
        "punished": [],
        "fines_paid": 0.0,
        "costs_paid": 0.0,
    }
