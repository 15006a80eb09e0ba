"""A memory store that keeps its own writes: for stores that live only in the process.

An in-memory store dies with its process, so the batches it received are saved with each
round's mark and replayed, in the same order and grouping, when the run resumes: the store is
then what it was after that round, down to the last bit of every vector.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from memory import EpisodicMemory, MemoryItem, MemoryQuery, ScoredMemory


class JournaledMemory:
    """An `EpisodicMemory` that forwards to `inner` and lists the batches added since the
    last `take_batches()`."""

    def __init__(self, inner: EpisodicMemory) -> None:
        self.inner = inner
        self._pending: list[list[dict[str, Any]]] = []

    def add(self, items: Sequence[MemoryItem]) -> None:
        self.inner.add(items)
        self._pending.append([item.model_dump(mode="json") for item in items])

    def retrieve(self, queries: Sequence[MemoryQuery]) -> list[list[ScoredMemory]]:
        return self.inner.retrieve(queries)

    def count(self, agent: str | None = None) -> int:
        return self.inner.count(agent)

    def close(self) -> None:
        self.inner.close()

    def take_batches(self) -> list[list[dict[str, Any]]]:
        taken, self._pending = self._pending, []
        return taken

    def replay(self, batches: Iterable[list[dict[str, Any]]]) -> None:
        """Add saved batches again (not journaled: they are saved already)."""
        for batch in batches:
            self.inner.add([MemoryItem.model_validate(item) for item in batch])
