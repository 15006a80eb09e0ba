"""Recall, remember and reflect for the whole society, batched per phase.

- **Recall**: before a phase's fan-out, one `retrieve` call holds every acting agent's query
  (`recall_batch`); the agent graph's `recall` node puts each agent's results in its request.
- **Remember**: after each resolution node, the events it wrote become memories of the agents
  concerned, in one `add` call (`remember`). Each item's `source_seq` is its event's `seq`.
- **Reflect**: at the end of each round (`reflect`), every agent stores a short reflection
  (kind "reflection"): LLM agents' own words (from their learning revision, or one `reflect`
  call when social learning is off), rule agents' a rule-made summary of their trend.

Importance per kind (a rule, in [0, 1]; reflections from LLM minds carry their own 1-10
rating / 10):

| kind | importance |
|---|---|
| norm (pinned: the norm in force), agreement (pinned: the last town-hall note) | 1.0, 0.9 |
| universalization (pinned: the sustainable per-member catch) | 0.8 |
| sanction received / given | 0.9 / 0.6 |
| observation: inspection that caught a violation / found none | 0.7 / 0.4 |
| message (gossip or a town-hall utterance; with harvest claims) | 0.5 (0.6) |
| vote (own vote and the result), norm change | 0.4, 0.6 |
| outcome: harvest (rationed or nothing taken) / holdings (a loss) | 0.3 (0.5) / 0.3 (0.5) |
| learning (strategy revised or copied) | 0.3 |
| reflection (rule-made) | 0.6 |

Memories about a peer carry it in `about` with tags a rule can test: an inspection
(`violation` / `compliance`), a message whose claims all name one peer (`violation` if a claim
is over the norm in force, else `compliance`), a sanction given (`violation`) or received
(`sanctioned_me`). Rule minds choose whom to inspect from these (see `agents.rules`).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from typing import Any

from memory import EpisodicMemory, MemoryItem
from society.agents.recall import as_entries
from society.core.institution import for_game
from society.games.commons import dynamics as commons
from society.games.commons.events import HarvestResolved, PayoffsSettled
from society.games.commons.recall import query_for
from society.games.commons.scenario import Scenario
from society.transcript.events import Event, ReflectionStored
from society.transcript.writer import TranscriptWriter

TREND_ROUNDS = 3  # rounds a rule-made reflection summarises
# (event, state, members of its round) -> the memories it makes
Mapper = Callable[[Any, dict[str, Any], list[str]], list[MemoryItem]]


class MemoryKeeper:
    """The society's side of episodic memory (one per run, shared by every node)."""

    def __init__(
        self,
        memory: EpisodicMemory,
        scenario: Scenario,
        mind_sources: dict[str, str],
        writer: TranscriptWriter,
    ) -> None:
        self.memory = memory
        self.scenario = scenario
        self.settings = scenario.memory
        self.mind_sources = mind_sources
        self.writer = writer
        self.unit = scenario.commons.resource.unit
        self.resource = scenario.commons.resource.name
        # Recent (harvest, holdings) per agent for rule-made reflections.
        self._history: dict[str, deque[tuple[float | None, float]]] = {}
        self._reflected: set[tuple[int, str]] = set()
        self._members: tuple[int, list[str]] | None = None  # set per `remember` call
        self._by_kind = self._dispatch()

    # -- recall -----------------------------------------------------------------------------

    def recall_batch(
        self, phase: str, views: dict[str, dict[str, Any]]
    ) -> dict[str, tuple[list[dict[str, Any]], str]]:
        """Agent -> (recalled entries, query text), for all agents in one `retrieve`."""
        agents = sorted(views)
        k = self.settings.k
        # Ask for twice k: memories of what the prompt shows anyway (the news of the round the
        # agent is looking at) are left out, and the best k of the rest kept.
        queries = [query_for(a, phase, views[a], 2 * k, views[a]["round"]) for a in agents]
        results = self.memory.retrieve(queries) if queries else []
        return {
            a: (_unseen(as_entries(scored), views[a], k), q.text)
            for a, q, scored in zip(agents, queries, results, strict=True)
        }

    # -- remember ---------------------------------------------------------------------------

    @property
    def reflect_in_call(self) -> bool:
        """LLM agents reflect in a call of their own unless their learning revision, which
        carries a reflection, already did."""
        return (
            self.settings.reflection_call and not self.scenario.institutions.social_learning.enabled
        )

    def reflects(self, state: dict[str, Any]) -> bool:
        return self.settings.reflection and state["end_reason"] is None

    def start(self, state: dict[str, Any], events: Sequence[Event]) -> None:
        """Round 0: every agent starts with the scenario's norm pinned (as of the first
        round_started event)."""
        started = next(e for e in events if e.kind == "round_started")
        norm = state["norm"]
        self.memory.add(
            [
                self.norm_item(a, 0, norm["text"], norm["limit"], None, started.seq)
                for a in sorted(state["agents"])
            ]
        )

    def remember(self, state: dict[str, Any], events: Sequence[Event]) -> None:
        """Turn the events of one resolution into memories (one batched `add`)."""
        items: list[MemoryItem] = []
        self._members = None  # listed once per call and round, not per event
        for event in events:
            items += self._items_for(state, event, self.members(state, event.round))
        if items:
            self.memory.add(items)

    def item(
        self,
        agent: str,
        event: Event,
        kind: str,
        text: str,
        importance: float,
        *,
        pinned: bool = False,
        about: str | None = None,
        tags: tuple[str, ...] = (),
    ) -> MemoryItem:
        """One memory of `agent` about `event` (institutions' memory mappers make theirs with
        it: `importance` in [0, 1]; `about` a peer, with `tags` a rule mind can test)."""
        return MemoryItem(
            agent=agent,
            round=event.round,
            kind=kind,
            text=text,
            importance=importance,
            source_seq=event.seq,
            pinned=pinned,
            about=about,
            tags=tags,
        )

    def members(self, state: dict[str, Any], round_number: int) -> list[str]:
        """The members of `round_number` (alive and joined), for mappers that tell everyone."""
        found = self._members
        if found is None or found[0] != round_number:
            found = self._members = (
                round_number,
                sorted(
                    a
                    for a, rec in state["agents"].items()
                    if rec["alive"] and rec["joins_at"] <= round_number
                ),
            )
        return found[1]

    def norm_item(
        self,
        agent: str,
        round_number: int,
        text: str,
        limit: float,
        proposer: str | None,
        seq: int,
    ) -> MemoryItem:
        by = f" (by {proposer})" if proposer else ""
        return MemoryItem(
            agent=agent,
            round=round_number,
            kind="norm",
            text=f"Norm in force{by}: «{text}» (limit {_n(limit)} {self.unit}).",
            importance=1.0,
            source_seq=seq,
            pinned=True,
        )

    def _items_for(
        self, state: dict[str, Any], event: Event, members: list[str]
    ) -> list[MemoryItem]:
        mapper = self._by_kind.get(event.kind)
        return [] if mapper is None else mapper(event, state, members)

    def _dispatch(self) -> dict[str, Mapper]:
        """Event kind -> what it means to agents' memory: the commons' own kinds, then each
        institution's mappers (which get the keeper to make items with `item`)."""
        table: dict[str, Mapper] = {
            "harvest_resolved": self._harvest,
            "payoffs_settled": self._payoffs,
            "decision": self._decision,
        }
        # Every institution of the commons: its kinds occur only in runs that have it.
        for institution in for_game("commons"):
            for kind, mapper in institution.memories.items():
                if kind in table:
                    raise ValueError(
                        f"institution {institution.name!r} maps event kind {kind!r}, which "
                        "already has a meaning in memory"
                    )
                table[kind] = lambda e, s, _m, f=mapper: f(e, s, self)
        return table

    def _harvest(self, event: Any, state: dict[str, Any], members: list[str]) -> list[MemoryItem]:
        unit, items = self.unit, []
        for agent in sorted(event.harvested):
            took, asked = event.harvested[agent], event.requested[agent]
            text = (
                f"I asked {_n(asked)}, took {_n(took)} {unit}; {self.resource} "
                f"{_n(event.stock_before)} → {_n(event.stock_after)}."
            )
            if event.rationed:
                text += " Rationed."
            self._remember_harvest(agent, took)
            weight = 0.5 if event.rationed or took == 0 else 0.3
            items.append(self.item(agent, event, "outcome", text, weight))
        share = self._universalization(state)
        if share is not None:
            text = (
                f"If every member took more than {_n(share)} {unit} each round, the "
                f"{self.resource} would run out in time."
            )
            items += [
                self.item(a, event, "universalization", text, 0.8, pinned=True) for a in members
            ]
        return items

    def _payoffs(self, event: Any, state: dict[str, Any], members: list[str]) -> list[MemoryItem]:
        items = []
        for agent, payoff in sorted(event.payoffs.items()):
            start = state["agents"][agent]["payoff_at_round_start"]
            change = payoff - start
            text = f"My holdings {_n(start)} → {_n(payoff)} ({change:+.2f})."
            self._remember_holdings(agent, payoff)
            items.append(self.item(agent, event, "outcome", text, 0.5 if change < 0 else 0.3))
        return items

    def _decision(self, event: Any, state: dict[str, Any], members: list[str]) -> list[MemoryItem]:
        if not self.settings.reflection:
            return []
        insight = event.decision.get("reflection") or event.decision.get("insight")
        if event.phase not in ("learn", "reflect") or not insight:
            return []
        rating = event.decision.get("importance")
        weight = rating / 10 if isinstance(rating, int | float) else 0.6
        return [self._reflection(event.agent, event.round, str(insight), weight, "llm")]

    def _universalization(self, state: dict[str, Any]) -> float | None:
        if not self.scenario.interventions.universalization:
            return None

        r = state["round"]
        members = [a for a, rec in state["agents"].items() if rec["alive"] and rec["joins_at"] <= r]
        stock = state["round_start_stock"] or state["stock"]
        params = self.scenario.commons
        return commons.universalization_threshold(
            stock, params, len(members), whole_units=params.harvest == "amount"
        )

    # -- reflect ----------------------------------------------------------------------------

    def relearn(self, events: Sequence[Event]) -> None:
        """A resumed run: rebuild the recent harvests and holdings from the completed rounds'
        events, in the order `remember` saw them."""
        for event in events:
            if isinstance(event, HarvestResolved):
                for agent in sorted(event.harvested):
                    self._remember_harvest(agent, event.harvested[agent])
            elif isinstance(event, PayoffsSettled):
                for agent, payoff in sorted(event.payoffs.items()):
                    self._remember_holdings(agent, payoff)

    def _remember_harvest(self, agent: str, took: float) -> None:
        self._history.setdefault(agent, deque(maxlen=TREND_ROUNDS)).append((took, float("nan")))

    def _remember_holdings(self, agent: str, payoff: float) -> None:
        history = self._history.setdefault(agent, deque(maxlen=TREND_ROUNDS))
        if history and history[-1][1] != history[-1][1]:  # NaN: this round's holdings unset
            history[-1] = (history[-1][0], payoff)
        else:
            history.append((None, payoff))

    def _reflection(
        self, agent: str, round_number: int, text: str, importance: float, source: str
    ) -> MemoryItem:
        """Write the `reflection` event and return its memory (kind 'reflection')."""
        self._reflected.add((round_number, agent))
        stamped = self.writer.write(
            ReflectionStored(
                round=round_number,
                agent=agent,
                text=text,
                importance=round(importance, 6),
                source=source,  # type: ignore[arg-type]
            )
        )
        return MemoryItem(
            agent=agent,
            round=round_number,
            kind="reflection",
            text=text,
            importance=importance,
            source_seq=stamped.seq,
        )

    def reflect(self, state: dict[str, Any], members: Sequence[str]) -> None:
        """Rule-made reflections for every member that has not reflected this round."""
        if not self.settings.reflection:
            return
        r = state["round"]
        items = [
            self._reflection(agent, r, self._trend_text(agent, r, state), 0.6, "rules")
            for agent in members
            if (r, agent) not in self._reflected
        ]
        if items:
            self.memory.add(items)

    def _trend_text(self, agent: str, r: int, state: dict[str, Any]) -> str:
        history = list(self._history.get(agent, ()))
        harvests = [h for h, _ in history if h is not None]
        holdings = [p for _, p in history if p == p]
        parts = []
        if harvests:
            parts.append(
                f"My harvests {', '.join(_n(h) for h in harvests)} ({_direction(harvests)});"
            )
        if len(holdings) >= 2:
            parts.append(
                f"holdings {_direction(holdings, 'rose', 'fell', 'held')} "
                f"{_n(holdings[0])} → {_n(holdings[-1])};"
            )
        parts.append(f"limit {_n(state['norm']['limit'])} {self.unit}.")
        return " ".join(parts)


SHOWN_AS_NEWS = frozenset({"observation", "message", "sanction", "outcome"})


def _unseen(entries: list[dict[str, Any]], view: dict[str, Any], k: int) -> list[dict[str, Any]]:
    """Pinned memories and the best `k` others, leaving out those the situation already
    shows (the agent's news of that round: its outcome, inspection, messages, sanctions)."""
    news = view.get("news") or {}
    shown_round = news.get("round")
    kept, ranked = [], 0
    for entry in entries:
        if entry["pinned"]:
            kept.append(entry)
        elif ranked < k and not (entry["round"] == shown_round and entry["kind"] in SHOWN_AS_NEWS):
            kept.append(entry)
            ranked += 1
    return kept


def _n(value: float) -> str:
    """A number in a memory's text: at most two decimals, no trailing zeros."""
    return f"{value:.2f}".rstrip("0").rstrip(".") if value == value else "?"


def _direction(
    values: Sequence[float], up: str = "rising", down: str = "falling", flat: str = "steady"
) -> str:
    if len(values) < 2 or abs(values[-1] - values[0]) < 1e-9:
        return flat
    return up if values[-1] > values[0] else down
