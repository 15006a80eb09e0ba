"""`InMemoryMemory`: numpy vectors in the process, exact scoring; for tests and small runs."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from memory._batch import by_agent, not_yet_held, unique_items
from memory.embedders.base import Embedder, embed_unit
from memory.errors import MemoryStoreError
from memory.items import MemoryItem, MemoryQuery, ScoredMemory
from memory.scoring import RetrievalWeights, answer


class _AgentShelf:
    """One agent's items with their vectors and the columns queries filter on."""

    def __init__(self) -> None:
        self.items: list[MemoryItem] = []
        self._chunks: list[np.ndarray] = []
        self._vectors: np.ndarray | None = None
        self._rounds: np.ndarray | None = None
        self._pinned: np.ndarray | None = None

    def extend(self, items: list[MemoryItem], vectors: np.ndarray) -> None:
        self.items.extend(items)
        self._chunks.append(vectors)
        self._vectors = None

    def columns(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if self._vectors is None or self._rounds is None or self._pinned is None:
            self._vectors = np.concatenate(self._chunks)
            self._chunks = [self._vectors]
            self._rounds = np.array([item.round for item in self.items], dtype=np.int64)
            self._pinned = np.array([item.pinned for item in self.items], dtype=bool)
        return self._vectors, self._rounds, self._pinned


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
            vectors, rounds, pinned = shelf.columns()
            for position in positions:
                query = queries[position]
                rows = np.flatnonzero(rounds <= query.now_round)
                if not query.include_pinned:
                    rows = rows[~pinned[rows]]
                if query.kinds is not None:
                    rows = np.array(
                        [r for r in rows if pinned[r] or shelf.items[r].kind in query.kinds],
                        dtype=np.intp,
                    )
                candidates = [shelf.items[r] for r in rows]
                results[position] = answer(
                    query, candidates, vectors[rows], query_vectors[position], self.weights
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
