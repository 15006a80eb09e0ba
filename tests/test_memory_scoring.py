"""Pure retrieval semantics (memory.scoring): score formula, ordering, pinned items, bounds."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from memory.items import MemoryItem, MemoryQuery, derive_item_id
from memory.scoring import (
    RetrievalWeights,
    active_pinned,
    answer,
    recency,
    unseen_bounds,
)


def unit(*components: float) -> np.ndarray:
    v = np.array(components, dtype=np.float32)
    return (v / np.linalg.norm(v)).astype(np.float32)


def item(i: str, round_: int, importance: float, **extra: object) -> MemoryItem:
    return MemoryItem(
        id=i,
        agent="ann",
        round=round_,
        kind="observation",
        text=i,
        importance=importance,
        **extra,  # type: ignore[arg-type]
    )


QUERY_VECTOR = unit(1, 0)
# three items, each best on exactly one term (now_round = 10)
NEW = item("new", 10, 0.1)  # newest, unimportant, irrelevant
IMPORTANT = item("important", 0, 0.9)  # old, important, irrelevant
RELEVANT = item("relevant", 0, 0.1)  # old, unimportant, relevant
ITEMS = [NEW, IMPORTANT, RELEVANT]
VECTORS = np.stack([unit(0, 1), unit(0, 1), unit(1, 0)])


def ranked_ids(weights: RetrievalWeights, k: int = 3) -> list[str]:
    query = MemoryQuery(agent="ann", text="q", k=k, now_round=10)
    return [s.item.id for s in answer(query, ITEMS, VECTORS, QUERY_VECTOR, weights)]


@pytest.mark.parametrize(
    ("weights", "expected"),
    [
        (
            RetrievalWeights(recency=10, importance=0.1, relevance=0.1),
            ["new", "relevant", "important"],
        ),
        (
            RetrievalWeights(recency=0.1, importance=10, relevance=0.1),
            ["important", "relevant", "new"],
        ),
        (
            RetrievalWeights(recency=0.1, importance=0.1, relevance=10),
            ["relevant", "important", "new"],
        ),
    ],
    ids=["recency-dominates", "importance-dominates", "relevance-dominates"],
)
def test_order_follows_the_dominant_weight(weights: RetrievalWeights, expected: list[str]) -> None:
    assert ranked_ids(weights) == expected


def test_default_weights_are_govsims_and_terms_add_up() -> None:
    weights = RetrievalWeights()
    assert (weights.recency, weights.importance, weights.relevance, weights.decay) == (
        0.5,
        3.0,
        2.0,
        0.99,
    )
    query = MemoryQuery(agent="ann", text="q", k=3, now_round=10)
    for scored in answer(query, ITEMS, VECTORS, QUERY_VECTOR, weights):
        expected_recency = 0.99 ** (10 - scored.item.round)
        assert scored.recency == pytest.approx(expected_recency, rel=1e-12)
        assert scored.importance == scored.item.importance
        assert scored.score == pytest.approx(
            0.5 * scored.recency + 3 * scored.importance + 2 * scored.relevance, rel=1e-12
        )
    # with the defaults importance dominates: 3 · 0.8 beats 2 · 1 (relevance) and 0.5 · (1 − 0.99^10)
    assert ranked_ids(weights) == ["important", "relevant", "new"]


def test_recency_decays_geometrically_per_round() -> None:
    values = recency(np.array([10, 9, 5, 0]), now_round=10, decay=0.5)
    assert values.tolist() == [1.0, 0.5, 0.5**5, 0.5**10]
    assert recency(np.array([0]), now_round=100, decay=0.99)[0] == pytest.approx(0.99**100)


def test_ties_break_by_newer_round_then_id() -> None:
    same = [item("b", 3, 0.5), item("a", 3, 0.5), item("c", 4, 0.5)]
    vectors = np.stack([unit(1, 1)] * 3)
    query = MemoryQuery(agent="ann", text="q", k=3, now_round=4)
    weights = RetrievalWeights(recency=0.0)  # make all three scores equal
    assert [s.item.id for s in answer(query, same, vectors, QUERY_VECTOR, weights)] == [
        "c",
        "a",
        "b",
    ]


def test_k_kinds_future_and_other_agents_are_filtered() -> None:
    items = [
        item("obs", 1, 0.5),
        MemoryItem(id="msg", agent="ann", round=1, kind="message", text="m", importance=0.5),
        item("future", 5, 1.0),
        MemoryItem(id="bob", agent="bob", round=1, kind="observation", text="b", importance=1),
    ]
    vectors = np.stack([unit(1, 0)] * 4)
    weights = RetrievalWeights()
    query = MemoryQuery(agent="ann", text="q", k=10, now_round=2)
    assert [s.item.id for s in answer(query, items, vectors, QUERY_VECTOR, weights)] == [
        "msg",
        "obs",
    ]
    only_messages = query.model_copy(update={"kinds": frozenset({"message"})})
    assert [s.item.id for s in answer(only_messages, items, vectors, QUERY_VECTOR, weights)] == [
        "msg"
    ]
    assert (
        answer(query.model_copy(update={"k": 1}), items, vectors, QUERY_VECTOR, weights)[0].item.id
        == "msg"
    )


def pinned(i: str, round_: int, kind: str = "norm", seq: int | None = None) -> MemoryItem:
    return MemoryItem(
        id=i,
        agent="ann",
        round=round_,
        kind=kind,
        text=i,
        importance=1.0,
        source_seq=seq,
        pinned=True,
    )


def test_latest_pinned_item_of_each_kind_supersedes_earlier_ones() -> None:
    items = [
        pinned("norm-r1", 1),
        pinned("norm-r3-seq7", 3, seq=7),
        pinned("norm-r3-seq5", 3, seq=5),
        pinned("limit-r2", 2, kind="agreed_limit"),
        pinned("norm-r9", 9),  # not yet visible at round 4
    ]
    assert [p.id for p in active_pinned(items, "ann", now_round=4)] == [
        "limit-r2",
        "norm-r3-seq7",
    ]
    assert [p.id for p in active_pinned(items, "ann", now_round=1)] == ["norm-r1"]
    assert [p.id for p in active_pinned(items, "ann", now_round=9)] == ["limit-r2", "norm-r9"]
    assert active_pinned(items, "bob", now_round=9) == []


def test_pinned_items_come_first_always_and_never_compete() -> None:
    items = [*ITEMS, pinned("old-norm", 0), pinned("norm", 5)]
    vectors = np.concatenate([VECTORS, np.stack([unit(1, 0), unit(0, 1)])])
    weights = RetrievalWeights()
    for k, kinds in [(0, None), (2, None), (3, frozenset({"message"}))]:
        query = MemoryQuery(agent="ann", text="q", k=k, now_round=10, kinds=kinds)
        result = answer(query, items, vectors, QUERY_VECTOR, weights)
        assert result[0].item.id == "norm" and result[0].pinned
        assert all(not s.pinned for s in result[1:])
        assert "old-norm" not in [s.item.id for s in result]  # superseded: never returned
        assert len(result) == 1 + (0 if kinds else k)
    hidden = MemoryQuery(agent="ann", text="q", k=3, now_round=10, include_pinned=False)
    assert [s.item.id for s in answer(hidden, items, vectors, QUERY_VECTOR, weights)] == [
        "important",
        "relevant",
        "new",
    ]


def test_duplicate_candidates_are_counted_once() -> None:
    query = MemoryQuery(agent="ann", text="q", k=5, now_round=10)
    twice = answer(
        query, ITEMS + ITEMS, np.concatenate([VECTORS, VECTORS]), QUERY_VECTOR, RetrievalWeights()
    )
    assert [s.item.id for s in twice] == ["important", "relevant", "new"]


def test_item_ids_are_derived_deterministically_and_validated() -> None:
    a = MemoryItem(agent="ann", round=2, kind="vote", text="I vote 5", importance=0.3)
    b = MemoryItem(agent="ann", round=2, kind="vote", text="I vote 5", importance=0.3)
    assert a.id == b.id == derive_item_id("ann", 2, "vote", None, "I vote 5")
    # a fixed value: a stable hash, not Python's per-process salted hash()
    assert a.id == "ann:2:vote:-:b91a4094b4e3bf5b"
    assert MemoryItem(agent="ann", round=2, kind="vote", text="I vote 6", importance=0.3).id != a.id
    for bad in ({"importance": 1.5}, {"importance": math.nan}, {"round": -1}, {"text": ""}):
        with pytest.raises(ValidationError):
            MemoryItem(
                **{
                    "agent": "ann",
                    "round": 2,
                    "kind": "vote",
                    "text": "t",
                    "importance": 0.3,
                    **bad,
                }
            )
    with pytest.raises(ValidationError):
        RetrievalWeights(decay=0)
    with pytest.raises(ValidationError):
        RetrievalWeights(importance=-1)


@settings(max_examples=300, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            st.integers(0, 40),  # round
            st.floats(0, 1),  # importance
            st.floats(-1, 1),  # relevance
        ),
        min_size=1,
        max_size=30,
    ),
    kth=st.floats(-2, 6),
    weights=st.builds(
        RetrievalWeights,
        recency=st.sampled_from([0.0, 0.5, 2.0]),
        importance=st.sampled_from([0.0, 3.0]),
        relevance=st.sampled_from([0.0, 2.0]),
        decay=st.sampled_from([0.5, 0.99, 1.0]),
    ),
)
def test_unseen_bounds_never_exclude_an_item_that_reaches_the_kth_score(
    rows: list[tuple[int, float, float]], kth: float, weights: RetrievalWeights
) -> None:
    now = 40
    max_relevance = max(r[2] for r in rows)
    bounds = unseen_bounds(kth, max_relevance, now, weights)
    for round_, importance, relevance in rows:
        score = (
            weights.recency * weights.decay ** (now - round_)
            + weights.importance * importance
            + weights.relevance * relevance
        )
        if score >= kth:
            assert bounds is not None
            assert importance >= bounds.min_importance
            assert round_ >= bounds.min_round


@pytest.mark.parametrize("seed", range(4))
def test_the_columnar_answer_equals_the_reference(seed: int) -> None:
    """`answer_columns` (the in-memory store's vectorised path) returns exactly what
    `answer` returns, scores included, over varied queries (kinds, k, pinned, rounds)."""
    from memory.embedders.base import embed_unit
    from memory.embedders.hashing import HashingEmbedder
    from memory.in_memory import InMemoryMemory
    from memory.scoring import answer_columns
    from memory.testing import synthetic_items, synthetic_queries

    items = synthetic_items(agents=3, rounds=12, per_round=4, seed=seed)
    queries = synthetic_queries(agents=3, count=40, now_round=12, seed=seed, varied=True)
    embedder = HashingEmbedder()
    vectors = embed_unit(embedder, [i.text for i in items])
    query_vectors = embed_unit(embedder, [q.text for q in queries])
    store = InMemoryMemory(embedder)
    store.add(items)
    weights = RetrievalWeights()
    for query, query_vector in zip(queries, query_vectors, strict=True):
        expected = answer(query, items, vectors, query_vector, weights)
        columns = store._shelves.columns(query.agent)
        got = [] if columns is None else answer_columns(query, columns, query_vector, weights)
        assert got == expected
