"""`InMemoryMemory`: numpy vectors in the process, exact scoring; for tests and small runs."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from memory._batch import by_agent, not_yet_held, unique_items
from memory.embedders.base import Embedder, embed_unit
from memory.errors import MemoryStoreError
from memory.items import MemoryItem, MemoryQuery, ScoredMemory
from memory.scoring import AgentColumns, RetrievalWeights, answer_columns


class _AgentShelf:
    """One agent's items with their vectors and the columns queries filter and score on.
    Columns are built per added batch and joined on demand (in C), so a round's many small
    additions never re-read every earlier item in Python."""

    _FIELDS = ("vectors", "rounds", "importance", "pinned", "kinds", "ids")

    def __init__(self) -> None:
        self.items: list[MemoryItem] = []
        self._chunks: dict[str, list[np.ndarray]] = {name: [] for name in self._FIELDS}
        self._columns: AgentColumns | None = None

    def extend(self, items: list[MemoryItem], vectors: np.ndarray) -> None:
        self.items.extend(items)
        n = len(items)
        batch = {
            "vectors": vectors,
            "rounds": np.fromiter((i.round for i in items), dtype=np.int64, count=n),
            "importance": np.fromiter((i.importance for i in items), dtype=np.float64, count=n),
            "pinned": np.fromiter((i.pinned for i in items), dtype=bool, count=n),
            "kinds": np.array([i.kind for i in items]),
            "ids": np.array([i.id for i in items]),
        }
        for name, column in batch.items():
            self._chunks[name].append(column)
        self._columns = None

    def columns(self) -> AgentColumns:
        if self._columns is None:
            joined = {}
            for name, chunks in self._chunks.items():
                joined[name] = chunks[0] if len(chunks) == 1 else np.concatenate(chunks)
                self._chunks[name] = [joined[name]]
            self._columns = AgentColumns(items=self.items, **joined)
        return self._columns


class InMemoryMemory:
    """An `EpisodicMemory` held in this process (nothing persisted)."""

    def __init__(self, embedder: Embedder, *, weights: RetrievalWeights | None = None) -> None:
        self.embedder = embedder
        self.weights = weights or RetrievalWeights()
        self._by_id: dict[str, MemoryItem] = {}
        self._shelves: dict[str, _AgentShelf] = {}
        self._closed = False

    def _check_open(self) -> None:
        if self._closed:
            raise MemoryStoreError("this InMemoryMemory is closed")

    def add(self, items: Sequence[MemoryItem]) -> None:
        self._check_open()
        fresh = not_yet_held(unique_items(items), self._by_id)
        if not fresh:
            return
        vectors = embed_unit(self.embedder, [item.text for item in fresh])
        grouped: dict[str, list[int]] = {}
        for row, item in enumerate(fresh):
            grouped.setdefault(item.agent, []).append(row)
        for agent, rows in grouped.items():
            shelf = self._shelves.setdefault(agent, _AgentShelf())
            shelf.extend([fresh[row] for row in rows], vectors[rows])
        for item in fresh:
            self._by_id[item.id] = item

    def retrieve(self, queries: Sequence[MemoryQuery]) -> list[list[ScoredMemory]]:
        self._check_open()
        results: list[list[ScoredMemory]] = [[] for _ in queries]
        if not queries:
            return results
        query_vectors = embed_unit(self.embedder, [query.text for query in queries])
        for agent, positions in by_agent(queries).items():
            shelf = self._shelves.get(agent)
            if shelf is None:
                continue
            columns = shelf.columns()
            for position in positions:
                results[position] = answer_columns(
                    queries[position], columns, query_vectors[position], self.weights
                )
        return results

    def count(self, agent: str | None = None) -> int:
        self._check_open()
        if agent is None:
            return len(self._by_id)
        shelf = self._shelves.get(agent)
        return 0 if shelf is None else len(shelf.items)

    def close(self) -> None:
        self._by_id.clear()
        self._shelves.clear()
        self._closed = True

    def __enter__(self) -> InMemoryMemory:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
