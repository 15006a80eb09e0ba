"""Retrieval semantics, as pure functions shared by every store (no I/O, no Chroma).

score = w_recency · decay^(now_round − round) + w_importance · importance + w_relevance · relevance

with relevance the cosine similarity of the query's and the item's embeddings (both stored
L2-normalised, so it is their dot product, computed in float64 row by row so that the value of
an item never depends on which other items it was scored with). Defaults are GovSim's weights
(docs/mechanics.md §5). Ranking is by (score desc, round desc, id asc), a total order, so two stores
holding the same items return the same list.

Pinned items form a separate channel: they are never ranked. For each kind, the agent's latest
pinned item with round ≤ now_round (later = higher round, then higher source_seq, then greater
id) is always returned; earlier pinned items of that kind are superseded and not returned at
all. A pinned item is the current value of a slot ("the current norm"), not an episode: to also
keep it in the episodic history, add an unpinned item as well.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from memory.items import MemoryItem, MemoryQuery, ScoredMemory
from memory.weights import RetrievalWeights


def recency(rounds: np.ndarray, now_round: int, decay: float) -> np.ndarray:
    """decay^(rounds ago) for each item round (all ≤ now_round)."""
    ago = now_round - np.asarray(rounds, dtype=np.int64)
    return np.power(decay, ago.astype(np.float64))


def relevance(vectors: np.ndarray, query_vector: np.ndarray) -> np.ndarray:
    """Cosine similarity of L2-normalised rows with an L2-normalised query (0 for zero rows)."""
    if len(vectors) == 0:
        return np.zeros(0, dtype=np.float64)
    rows = np.asarray(vectors, dtype=np.float64)
    query = np.asarray(query_vector, dtype=np.float64)
    return (rows * query).sum(axis=1)


def later_key(item: MemoryItem) -> tuple[int, int, str]:
    """The order in which pinned items of one kind supersede each other."""
    seq = -1 if item.source_seq is None else item.source_seq
    return (item.round, seq, item.id)


def active_pinned(items: Sequence[MemoryItem], agent: str, now_round: int) -> list[MemoryItem]:
    """The agent's current pinned item of each kind at now_round, ordered by kind."""
    latest: dict[str, MemoryItem] = {}
    for item in items:
        if not item.pinned or item.agent != agent or item.round > now_round:
            continue
        held = latest.get(item.kind)
        if held is None or later_key(item) > later_key(held):
            latest[item.kind] = item
    return [latest[kind] for kind in sorted(latest)]


def _score(
    items: Sequence[MemoryItem],
    vectors: np.ndarray,
    query_vector: np.ndarray,
    now_round: int,
    weights: RetrievalWeights,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    rounds = np.array([item.round for item in items], dtype=np.int64)
    rec = recency(rounds, now_round, weights.decay)
    imp = np.array([item.importance for item in items], dtype=np.float64)
    rel = relevance(vectors, query_vector)
    total = weights.recency * rec + weights.importance * imp + weights.relevance * rel
    return rec, imp, rel, total


def _scored(
    items: Sequence[MemoryItem],
    order: Sequence[int],
    terms: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    pinned: bool,
) -> list[ScoredMemory]:
    rec, imp, rel, total = terms
    return [
        ScoredMemory(
            item=items[i],
            recency=float(rec[i]),
            importance=float(imp[i]),
            relevance=float(rel[i]),
            score=float(total[i]),
            pinned=pinned,
        )
        for i in order
    ]


def is_rankable(item: MemoryItem, query: MemoryQuery) -> bool:
    """Whether the item competes for the query's top-k."""
    return (
        item.agent == query.agent
        and not item.pinned
        and item.round <= query.now_round
        and (query.kinds is None or item.kind in query.kinds)
    )


def answer(
    query: MemoryQuery,
    items: Sequence[MemoryItem],
    vectors: np.ndarray,
    query_vector: np.ndarray,
    weights: RetrievalWeights,
) -> list[ScoredMemory]:
    """The query's result from candidate items (with their embeddings, one row per item).

    The candidates may be any superset of what the query can return: items of other agents,
    from later rounds, of other kinds, or superseded pinned items are filtered out here.
    Result: the current pinned items (by kind), then the top-k ranked items (best first).
    """
    seen: set[str] = set()
    unique: list[int] = []
    for i, item in enumerate(items):
        if item.id not in seen:
            seen.add(item.id)
            unique.append(i)
    result: list[ScoredMemory] = []
    if query.include_pinned:
        pinned = active_pinned([items[i] for i in unique], query.agent, query.now_round)
        if pinned:
            index = {items[i].id: i for i in unique}
            rows = [index[item.id] for item in pinned]
            terms = _score(pinned, vectors[rows], query_vector, query.now_round, weights)
            result.extend(_scored(pinned, range(len(pinned)), terms, pinned=True))
    rankable = [i for i in unique if is_rankable(items[i], query)]
    if query.k == 0 or not rankable:
        return result
    chosen = [items[i] for i in rankable]
    terms = _score(chosen, vectors[rankable], query_vector, query.now_round, weights)
    total = terms[3]
    rounds = np.array([item.round for item in chosen], dtype=np.int64)
    ids = np.array([item.id for item in chosen])
    order = np.lexsort((ids, -rounds, -total))[: query.k]
    result.extend(_scored(chosen, [int(i) for i in order], terms, pinned=False))
    return result


class AgentColumns(NamedTuple):
    """One agent's items (unique ids) as parallel arrays, for `answer_columns`."""

    items: Sequence[MemoryItem]
    vectors: np.ndarray
    rounds: np.ndarray  # int64
    importance: np.ndarray  # float64
    pinned: np.ndarray  # bool
    kinds: np.ndarray  # str
    ids: np.ndarray  # str


def answer_columns(
    query: MemoryQuery,
    columns: AgentColumns,
    query_vector: np.ndarray,
    weights: RetrievalWeights,
) -> list[ScoredMemory]:
    """`answer` for one agent's items held as columns: the same result, vectorised (every
    term is computed row by row, so it equals `answer`'s value for the item)."""
    c, now = columns, query.now_round
    result: list[ScoredMemory] = []
    visible = c.rounds <= now
    if query.include_pinned:
        candidates = np.flatnonzero(c.pinned & visible)
        pinned = active_pinned([c.items[r] for r in candidates], query.agent, now)
        if pinned:
            index = {c.items[r].id: int(r) for r in candidates}
            rows = [index[item.id] for item in pinned]
            terms = _score(pinned, c.vectors[rows], query_vector, now, weights)
            result.extend(_scored(pinned, range(len(pinned)), terms, pinned=True))
    mask = visible & ~c.pinned
    if query.kinds is not None:
        mask &= np.isin(c.kinds, sorted(query.kinds))
    rows = np.flatnonzero(mask)
    if query.k == 0 or rows.size == 0:
        return result
    rec = recency(c.rounds[rows], now, weights.decay)
    imp = c.importance[rows]
    rel = relevance(c.vectors[rows], query_vector)
    total = weights.recency * rec + weights.importance * imp + weights.relevance * rel
    order = np.lexsort((c.ids[rows], -c.rounds[rows], -total))[: query.k]
    chosen = [c.items[int(rows[i])] for i in order]
    picked = tuple(term[order] for term in (rec, imp, rel, total))
    result.extend(_scored(chosen, range(len(chosen)), picked, pinned=False))  # type: ignore[arg-type]
    return result


class UnseenBounds(NamedTuple):
    """Necessary conditions for an item not yet seen to score at least a given value."""

    min_importance: float
    min_round: int


_SLACK = 1e-9


def unseen_bounds(
    kth_score: float, max_unseen_relevance: float, now_round: int, weights: RetrievalWeights
) -> UnseenBounds | None:
    """Which unseen items could still reach `kth_score`, given their relevance is at most
    `max_unseen_relevance` (known when candidates came from a nearest-neighbour search).

    Returns None when no unseen item can reach it. An item can only qualify if both its
    importance ≥ min_importance and its round ≥ min_round (each bound takes the other term
    at its maximum), so fetching the items that satisfy both makes a top-k exact.
    """
    need = kth_score - weights.relevance * max_unseen_relevance - _SLACK
    # importance: w_imp · importance ≥ need − w_rec · 1
    rest = need - weights.recency
    if weights.importance > 0:
        min_importance = rest / weights.importance
        if min_importance > 1.0:
            return None
    elif rest > 0:
        return None
    else:
        min_importance = 0.0
    # recency: w_rec · decay^(now − round) ≥ need − w_imp · 1
    rest = need - weights.importance
    if rest <= 0:
        return UnseenBounds(max(min_importance, 0.0), 0)
    if weights.recency == 0 or rest > weights.recency:
        return None
    if weights.decay == 1.0:
        return UnseenBounds(max(min_importance, 0.0), 0)
    max_ago = math.floor(math.log(rest / weights.recency) / math.log(weights.decay) + 1e-9)
    return UnseenBounds(max(min_importance, 0.0), max(now_round - max_ago, 0))
