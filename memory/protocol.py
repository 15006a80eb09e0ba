"""The `EpisodicMemory` extension point: every store implements these four methods."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from memory.items import MemoryItem, MemoryQuery, ScoredMemory


@runtime_checkable
class EpisodicMemory(Protocol):
    """A store of agents' memories, written and queried in batches (one call per round).

    - `add`: items of any agents at once. Re-adding an identical item is a no-op (so a resumed
      round can replay its writes); a different item under a taken id raises
      `DuplicateItemError` and nothing of the batch is written.
    - `retrieve`: one result list per query, in query order. Each list holds the agent's
      current pinned items (one per kind, by kind) and then its top-k ranked items, best
      first, as defined by `memory.scoring.answer`. Implementations return identical lists
      for identical contents, embedder and weights.
    - `count`: items stored, for one agent or all.
    - `close`: release the store; using it afterwards raises `MemoryStoreError`.
    """

    def add(self, items: Sequence[MemoryItem]) -> None: ...

    def retrieve(self, queries: Sequence[MemoryQuery]) -> list[list[ScoredMemory]]: ...

    def count(self, agent: str | None = None) -> int: ...

    def close(self) -> None: ...
