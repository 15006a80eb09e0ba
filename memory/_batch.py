"""Helpers shared by the stores: de-duplicating a batch of items, grouping queries."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from memory.errors import DuplicateItemError
from memory.items import MemoryItem, MemoryQuery


def unique_items(items: Sequence[MemoryItem]) -> list[MemoryItem]:
    """The batch without repeats, in first-seen order; conflicting repeats raise."""
    seen: dict[str, MemoryItem] = {}
    for item in items:
        held = seen.get(item.id)
        if held is None:
            seen[item.id] = item
        elif held != item:
            raise conflict(held, item)
    return list(seen.values())


def conflict(held: MemoryItem, new: MemoryItem) -> DuplicateItemError:
    return DuplicateItemError(
        f"memory id {new.id!r} is already taken by a different item "
        f"(held: {held.model_dump()}, new: {new.model_dump()}); give distinct ids, or let "
        "them be derived from agent, round, kind, source_seq and text"
    )


def not_yet_held(batch: Sequence[MemoryItem], held: Mapping[str, MemoryItem]) -> list[MemoryItem]:
    """The items of `batch` a store does not hold yet. Re-adding an identical item is a no-op
    (a resumed run replays its writes); a different item under a taken id is an error."""
    fresh = []
    for item in batch:
        old = held.get(item.id)
        if old is None:
            fresh.append(item)
        elif old != item:
            raise conflict(old, item)
    return fresh


def by_agent(queries: Sequence[MemoryQuery]) -> dict[str, list[int]]:
    """Query positions grouped by agent, agents in sorted order."""
    groups: dict[str, list[int]] = {}
    for index, query in enumerate(queries):
        groups.setdefault(query.agent, []).append(index)
    return {agent: groups[agent] for agent in sorted(groups)}
