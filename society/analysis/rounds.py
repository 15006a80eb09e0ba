"""Per-round and per-agent views of a transcript, for `society inspect`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from society.transcript.events import (
    AgentDied,
    Decision,
    DecisionFailed,
    Event,
    HarvestResolved,
    LLMCall,
    RoundFinished,
    RoundStarted,
)


@dataclass
class RoundSummary:
    round: int
    stock_start: float = 0.0
    harvest_total: float = 0.0
    stock_after_harvest: float = 0.0
    stock_end: float | None = None
    alive: int = 0
    died: list[str] = field(default_factory=list)
    failures: int = 0
    end_reason: str | None = None


@dataclass
class AgentTurnView:
    round: int
    agent: str
    decision: Decision | None
    failure: DecisionFailed | None
    calls: list[LLMCall]
    requested: float | None
    harvested: float | None


def round_summaries(events: Sequence[Event]) -> list[RoundSummary]:
    rounds: dict[int, RoundSummary] = {}
    for event in events:
        if event.round == 0:
            continue
        summary = rounds.setdefault(event.round, RoundSummary(event.round))
        if isinstance(event, RoundStarted):
            summary.stock_start, summary.alive = event.stock, len(event.alive)
        elif isinstance(event, HarvestResolved):
            summary.harvest_total = sum(event.harvested.values())
            summary.stock_after_harvest = event.stock_after
        elif isinstance(event, AgentDied):
            summary.died.append(event.agent)
        elif isinstance(event, DecisionFailed):
            summary.failures += 1
        elif isinstance(event, RoundFinished):
            summary.stock_end, summary.end_reason = event.stock, event.end_reason
    return [rounds[n] for n in sorted(rounds)]


def agent_turns(
    events: Sequence[Event], agent: str | None = None, round_number: int | None = None
) -> list[AgentTurnView]:
    turns: dict[tuple[int, str], AgentTurnView] = {}

    def turn(r: int, a: str) -> AgentTurnView:
        return turns.setdefault((r, a), AgentTurnView(r, a, None, None, [], None, None))

    for event in events:
        if round_number is not None and event.round != round_number:
            continue
        if isinstance(event, Decision | DecisionFailed | LLMCall):
            if agent is not None and event.agent != agent:
                continue
            view = turn(event.round, event.agent)
            if isinstance(event, Decision):
                view.decision = event
            elif isinstance(event, DecisionFailed):
                view.failure = event
            else:
                view.calls.append(event)
        elif isinstance(event, HarvestResolved):
            for name, amount in event.harvested.items():
                if agent is None or name == agent:
                    view = turn(event.round, name)
                    view.harvested, view.requested = amount, event.requested.get(name)
    return [turns[key] for key in sorted(turns)]
