"""`InMemoryMemory`: numpy vectors in the process, exact scoring; for tests and small runs."""

from __future__ import annotations

from collections.abc import Sequence

from memory._batch import not_yet_held, unique_items
from memory.embedders.base import Embedder, embed_unit
from memory.errors import MemoryStoreError
from memory.items import MemoryItem, MemoryQuery, ScoredMemory
from memory.scoring import RetrievalWeights
from memory.shelves import Shelves


class InMemoryMemory:
    """An `EpisodicMemory` held in this process (nothing persisted)."""

    def __init__(self, embedder: Embedder, *, weights: RetrievalWeights | None = None) -> None:
        self.embedder = embedder
        self.weights = weights or RetrievalWeights()
        self._shelves = Shelves()
        self._closed = False

    def _check_open(self) -> None:
        if self._closed:
            raise MemoryStoreError("this InMemoryMemory is closed")

    def add(self, items: Sequence[MemoryItem]) -> None:
        self._check_open()
        fresh = not_yet_held(unique_items(items), self._shelves.by_id)
        if not fresh:
            return
        self._shelves.extend(fresh, embed_unit(self.embedder, [item.text for item in fresh]))

    def retrieve(self, queries: Sequence[MemoryQuery]) -> list[list[ScoredMemory]]:
        self._check_open()
        if not queries:
            return []
        query_vectors = embed_unit(self.embedder, [query.text for query in queries])
        return self._shelves.retrieve(queries, query_vectors, self.weights)

    def count(self, agent: str | None = None) -> int:
        self._check_open()
        return self._shelves.count(agent)

    def close(self) -> None:
        self._shelves.clear()
        self._closed = True

    def __enter__(self) -> InMemoryMemory:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
