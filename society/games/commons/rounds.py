"""Per-round and per-agent views of a transcript, for `society inspect`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from society.games.commons.events import (
    AgentDied,
    GenerationTurnover,
    HarvestResolved,
    Inspection,
    MessageSent,
    NormAdopted,
    RoundFinished,
    RoundStarted,
    SanctionApplied,
    StrategyUpdated,
)
from society.transcript.events import AgentJoined, Decision, DecisionFailed, Event, LLMCall


@dataclass
class RoundSummary:
    round: int
    stock_start: float = 0.0
    norm_limit: float | None = None
    harvest_total: float = 0.0
    stock_end: float | None = None
    alive: int = 0
    died: list[str] = field(default_factory=list)
    inspections: int = 0
    violations_seen: int = 0
    messages: int = 0
    sanctions: int = 0
    norm_adopted: float | None = None
    copies: int = 0
    failures: int = 0
    end_reason: str | None = None


@dataclass
class Governance:
    """The commons' own facts of one round for `society inspect` (each institution shows its
    own events: `Institution.inspect_section`)."""

    round: int
    norm_text: str = ""
    norm_limit: float | None = None
    joined: list[AgentJoined] = field(default_factory=list)
    turnover: GenerationTurnover | None = None  # runs with generations: who retired, who was born


@dataclass
class AgentTurnView:
    round: int
    phase: str
    agent: str
    decision: Decision | None
    failure: DecisionFailed | None
    calls: list[LLMCall]
    harvested: float | None = None


def round_summaries(events: Sequence[Event]) -> list[RoundSummary]:
    rounds: dict[int, RoundSummary] = {}
    for event in events:
        if event.round == 0:
            continue
        s = rounds.setdefault(event.round, RoundSummary(event.round))
        if isinstance(event, RoundStarted):
            s.stock_start, s.alive, s.norm_limit = event.stock, len(event.alive), event.norm_limit
        elif isinstance(event, HarvestResolved):
            s.harvest_total = sum(event.harvested.values())
        elif isinstance(event, Inspection):
            s.inspections += 1
            s.violations_seen += event.violated
        elif isinstance(event, MessageSent):
            s.messages += 1
        elif isinstance(event, SanctionApplied):
            s.sanctions += 1
        elif isinstance(event, NormAdopted):
            s.norm_adopted = event.limit
        elif isinstance(event, StrategyUpdated):
            s.copies += event.copied
        elif isinstance(event, AgentDied):
            s.died.append(event.agent)
        elif isinstance(event, DecisionFailed):
            s.failures += 1
        elif isinstance(event, RoundFinished):
            s.stock_end, s.end_reason = event.stock, event.end_reason
    return [rounds[n] for n in sorted(rounds)]


def governance(events: Sequence[Event], round_number: int) -> Governance:
    g = Governance(round_number)
    for event in events:
        if event.round != round_number:
            continue
        if isinstance(event, RoundStarted):
            g.norm_text, g.norm_limit = event.norm_text, event.norm_limit
        elif isinstance(event, AgentJoined):
            g.joined.append(event)
        elif isinstance(event, GenerationTurnover):
            g.turnover = event
    return g


def agent_turns(
    events: Sequence[Event], agent: str | None = None, round_number: int | None = None
) -> list[AgentTurnView]:
    """One entry per (round, agent, phase) with the decision or failure and its model calls."""
    turns: dict[tuple[int, str, str], AgentTurnView] = {}
    harvests: dict[tuple[int, str], float] = {}
    for event in events:
        if round_number is not None and event.round != round_number:
            continue
        if isinstance(event, HarvestResolved):
            for name, amount in event.harvested.items():
                harvests[(event.round, name)] = amount
        if not isinstance(event, Decision | DecisionFailed | LLMCall):
            continue
        if agent is not None and event.agent != agent:
            continue
        key = (event.round, event.agent, event.phase)
        view = turns.setdefault(
            key, AgentTurnView(event.round, event.phase, event.agent, None, None, [])
        )
        if isinstance(event, Decision):
            view.decision = event
        elif isinstance(event, DecisionFailed):
            view.failure = event
        else:
            view.calls.append(event)
    for (r, name, phase), view in turns.items():
        if phase == "harvest":
            view.harvested = harvests.get((r, name))
    return [turns[key] for key in sorted(turns, key=lambda k: (k[0], k[1]))]
