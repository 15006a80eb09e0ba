"""`Shelves`: every agent's items with their vectors as numpy columns, scored exactly.

`InMemoryMemory` is one; `ChromaMemory` keeps one in front of its collection (a write-through
cache), so both answer a query with the same code and the same cost. Items must be unique by
id (the stores check that before they shelve anything).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

import numpy as np

from memory._batch import by_agent
from memory.items import MemoryItem, MemoryQuery, ScoredMemory
from memory.scoring import AgentColumns, RetrievalWeights, answer_columns


class AgentShelf:
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

    def vector_bytes(self) -> int:
        return sum(chunk.nbytes for chunk in self._chunks["vectors"])


class Shelves:
    """All agents' shelves, and the ids held (to tell new items from replayed ones)."""

    def __init__(self) -> None:
        self.by_id: dict[str, MemoryItem] = {}
        self._shelves: dict[str, AgentShelf] = {}

    def extend(self, items: Sequence[MemoryItem], vectors: np.ndarray) -> None:
        """Shelve new items (ids not held yet), row i of `vectors` being item i's embedding."""
        grouped: dict[str, list[int]] = {}
        for row, item in enumerate(items):
            grouped.setdefault(item.agent, []).append(row)
        for agent, rows in grouped.items():
            shelf = self._shelves.setdefault(agent, AgentShelf())
            shelf.extend([items[row] for row in rows], vectors[rows])
        for item in items:
            self.by_id[item.id] = item

    def retrieve(
        self,
        queries: Sequence[MemoryQuery],
        query_vectors: np.ndarray,
        weights: RetrievalWeights,
    ) -> list[list[ScoredMemory]]:
        results: list[list[ScoredMemory]] = [[] for _ in queries]
        for agent, positions in by_agent(queries).items():
            shelf = self._shelves.get(agent)
            if shelf is None:
                continue
            columns = shelf.columns()
            for position in positions:
                results[position] = answer_columns(
                    queries[position], columns, query_vectors[position], weights
                )
        return results

    def columns(self, agent: str) -> AgentColumns | None:
        """One agent's columns (None when it holds nothing)."""
        shelf = self._shelves.get(agent)
        return None if shelf is None else shelf.columns()

    def count(self, agent: str | None = None) -> int:
        if agent is None:
            return len(self.by_id)
        shelf = self._shelves.get(agent)
        return 0 if shelf is None else len(shelf.items)

    def drop(self, ids: Collection[str]) -> None:
        """Take items off their shelves (a rewound round). Each touched agent's shelf is
        rebuilt from the rows it keeps, in their order."""
        doomed = set(ids) & self.by_id.keys()
        for agent in sorted({self.by_id[i].agent for i in doomed}):
            columns = self._shelves.pop(agent).columns()
            keep = [row for row, item in enumerate(columns.items) if item.id not in doomed]
            if keep:
                shelf = self._shelves[agent] = AgentShelf()
                shelf.extend([columns.items[row] for row in keep], columns.vectors[keep])
        for item_id in doomed:
            del self.by_id[item_id]

    def vector_bytes(self) -> int:
        """Bytes of the embeddings held (the bulk of the shelves' memory)."""
        return sum(shelf.vector_bytes() for shelf in self._shelves.values())

    def clear(self) -> None:
        self.by_id.clear()
        self._shelves.clear()
