"""A round memory for any game that says what its events mean through a table.

The commons has its own keeper (`society.games.commons.remembering`); a game without one of
its own gives `EventMemory` three things and gets recall, remember and reflect:

- `mappers`: event kind -> `(event, state, keeper) -> [MemoryItem]` (its own kinds and its
  enabled institutions' `memories`, which make items with `keeper.item(...)`, as they do for
  the commons);
- `topics`: phase -> the words a recall query for that phase starts with, and `situation(view)`:
  what the agent sees now, in words (the rest of the query);
- `reflection(state, agent)`: a rule-made reflection of the round (every member stores one
  at the end of each round, kind "reflection"; LLM minds make no extra call for it).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from memory import EpisodicMemory, MemoryItem, MemoryQuery
from society.agents.recall import as_entries
from society.transcript.events import Event, ReflectionStored
from society.transcript.writer import TranscriptWriter

Mapper = Callable[[Any, Mapping[str, Any], Any], list[MemoryItem]]


class EventMemory:
    reflect_in_call = False  # reflections are rule-made for every mind (no extra model call)

    def __init__(
        self,
        memory: EpisodicMemory,
        settings: Any,  # the scenario's MemorySection
        writer: TranscriptWriter,
        *,
        mappers: Mapping[str, Mapper],
        topics: Mapping[str, str],
        situation: Callable[[Mapping[str, Any]], str],
        reflection: Callable[[Mapping[str, Any], str], str],
    ) -> None:
        self.memory, self.settings, self.writer = memory, settings, writer
        self.mappers, self.topics = dict(mappers), dict(topics)
        self.situation, self.reflection = situation, reflection

    def recall_batch(
        self, phase: str, views: dict[str, dict[str, Any]]
    ) -> dict[str, tuple[list[dict[str, Any]], str]]:
        """Agent -> (recalled entries, query text), for all agents in one `retrieve`."""
        agents = sorted(views)
        queries = [
            MemoryQuery(
                agent=a,
                text=f"{phase}: {self.topics.get(phase, phase)}. {self.situation(views[a])}",
                k=self.settings.k,
                now_round=views[a]["round"],
            )
            for a in agents
        ]
        results = self.memory.retrieve(queries) if queries else []
        return {
            a: (as_entries(scored), q.text)
            for a, q, scored in zip(agents, queries, results, strict=True)
        }

    def start(self, state: Mapping[str, Any], events: Sequence[Event]) -> None:
        """Round 0: a game with a table has no standing facts to pin (the commons pins its norm)."""

    def relearn(self, events: Sequence[Event]) -> None:
        """A resumed run: nothing to rebuild (reflections are made from the state)."""

    def remember(self, state: Mapping[str, Any], events: Sequence[Event]) -> None:
        items: list[MemoryItem] = []
        for event in events:
            mapper = self.mappers.get(event.kind)
            if mapper is not None:
                items += mapper(event, state, self)
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

    def reflects(self, state: Mapping[str, Any]) -> bool:
        return self.settings.reflection and state["end_reason"] is None

    def reflect(self, state: Mapping[str, Any], members: Sequence[str]) -> None:
        if not self.settings.reflection:
            return
        items = []
        for agent in members:
            text = self.reflection(state, agent)
            stamped = self.writer.write(
                ReflectionStored(
                    round=state["round"], agent=agent, text=text, importance=0.6, source="rules"
                )
            )
            items.append(
                MemoryItem(
                    agent=agent,
                    round=state["round"],
                    kind="reflection",
                    text=text,
                    importance=0.6,
                    source_seq=stamped.seq,
                )
            )
        if items:
            self.memory.add(items)
