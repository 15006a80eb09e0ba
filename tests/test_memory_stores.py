"""Every EpisodicMemory store against the same contract: InMemoryMemory, ChromaMemory with
exact search, and ChromaMemory with index search (tiny candidate pool, so the completion step
that fetches unseen high-scoring items is exercised on every query)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from memory import (
    ChromaMemory,
    DuplicateItemError,
    EpisodicMemory,
    InMemoryMemory,
    MemoryItem,
    MemoryQuery,
    MemoryStoreError,
    RetrievalWeights,
)
from memory.embedders.hashing import HashingEmbedder
from memory.testing import result_ids, synthetic_items, synthetic_queries

StoreFactory = Callable[..., EpisodicMemory]


def _in_memory(tmp_path: Path, weights: RetrievalWeights | None = None) -> EpisodicMemory:
    return InMemoryMemory(HashingEmbedder(), weights=weights)


def _chroma_exact(tmp_path: Path, weights: RetrievalWeights | None = None) -> EpisodicMemory:
    return ChromaMemory("memories", HashingEmbedder(), path=tmp_path / "exact", weights=weights)


def _chroma_index(tmp_path: Path, weights: RetrievalWeights | None = None) -> EpisodicMemory:
    return ChromaMemory(
        "memories",
        HashingEmbedder(),
        path=tmp_path / "index",
        weights=weights,
        search="index",
        candidates=2,
    )


FACTORIES = {"in_memory": _in_memory, "chroma_exact": _chroma_exact, "chroma_index": _chroma_index}


@pytest.fixture(params=sorted(FACTORIES))
def make_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StoreFactory]:
    opened: list[EpisodicMemory] = []

    def make(weights: RetrievalWeights | None = None) -> EpisodicMemory:
        store = FACTORIES[request.param](tmp_path, weights)
        opened.append(store)
        return store

    yield make
    for store in opened:
        store.close()


def memory(i: str, round_: int, importance: float, text: str, **extra: object) -> MemoryItem:
    return MemoryItem(
        id=i,
        agent="ann",
        round=round_,
        kind="observation",
        text=text,
        importance=importance,
        **extra,  # type: ignore[arg-type]
    )


# Each item is best on one term for the query "fish lake harvest" at round 10.
TERM_ITEMS = [
    memory("new", 10, 0.1, "the weather was sunny"),
    memory("important", 0, 0.9, "bob was punished by the group"),
    memory("relevant", 0, 0.1, "fish lake harvest"),
    MemoryItem(id="bob", agent="bob", round=10, kind="observation", text="fish", importance=1),
]


@pytest.mark.parametrize(
    ("weights", "expected"),
    [
        (RetrievalWeights(recency=10, importance=0.1, relevance=0.1), ["new", "relevant"]),
        (RetrievalWeights(recency=0.1, importance=10, relevance=0.1), ["important", "relevant"]),
        (RetrievalWeights(recency=0.1, importance=0.1, relevance=10), ["relevant", "important"]),
    ],
    ids=["recency", "importance", "relevance"],
)
def test_order_follows_the_dominant_weight(
    make_store: StoreFactory, weights: RetrievalWeights, expected: list[str]
) -> None:
    store = make_store(weights)
    store.add(TERM_ITEMS)
    (result,) = store.retrieve(
        [MemoryQuery(agent="ann", text="fish lake harvest", k=2, now_round=10)]
    )
    assert [s.item.id for s in result] == expected
    assert all(s.item.agent == "ann" and not s.pinned for s in result)


def test_recency_decays_and_future_items_are_invisible(make_store: StoreFactory) -> None:
    store = make_store(RetrievalWeights(recency=1, importance=0, relevance=0, decay=0.9))
    store.add([memory(f"r{r}", r, 0.5, "same text") for r in range(6)])
    (result,) = store.retrieve([MemoryQuery(agent="ann", text="x", k=10, now_round=3)])
    assert [s.item.id for s in result] == ["r3", "r2", "r1", "r0"]
    assert [s.recency for s in result] == pytest.approx([1.0, 0.9, 0.81, 0.729])


def norm(i: str, round_: int, text: str, kind: str = "norm") -> MemoryItem:
    return MemoryItem(
        id=i, agent="ann", round=round_, kind=kind, text=text, importance=0.2, pinned=True
    )


def test_pinned_items_always_appear_and_later_ones_supersede(make_store: StoreFactory) -> None:
    store = make_store()
    store.add(
        [
            *TERM_ITEMS,
            norm("norm-1", 1, "harvest at most 9"),
            norm("limit-2", 2, "agreed limit 4", kind="agreed_limit"),
            norm("norm-5", 5, "harvest at most 6"),
        ]
    )
    queries = [
        MemoryQuery(agent="ann", text="fish lake harvest", k=2, now_round=10),
        MemoryQuery(agent="ann", text="fish", k=0, now_round=10),
        MemoryQuery(agent="ann", text="fish", k=3, now_round=3, kinds=frozenset({"message"})),
        MemoryQuery(agent="ann", text="fish", k=3, now_round=10, include_pinned=False),
        MemoryQuery(agent="bob", text="fish", k=3, now_round=10),
    ]
    full, only_pinned, early, unpinned, bob = store.retrieve(queries)
    assert [(s.item.id, s.pinned) for s in full] == [
        ("limit-2", True),
        ("norm-5", True),
        ("important", False),
        ("relevant", False),
    ]
    assert [s.item.id for s in only_pinned] == ["limit-2", "norm-5"]
    assert [s.item.id for s in early] == ["limit-2", "norm-1"]  # norm-5 is from round 5
    assert [s.item.id for s in unpinned] == ["important", "relevant", "new"]
    assert [s.item.id for s in bob] == ["bob"]


def test_kinds_filter(make_store: StoreFactory) -> None:
    store = make_store()
    store.add(
        [
            *TERM_ITEMS,
            MemoryItem(agent="ann", round=4, kind="message", text="fish now", importance=0.1),
            MemoryItem(agent="ann", round=4, kind="sanction", text="fined 3", importance=0.8),
        ]
    )
    messages, both = store.retrieve(
        [
            MemoryQuery(agent="ann", text="fish", k=5, now_round=10, kinds=frozenset({"message"})),
            MemoryQuery(agent="ann", text="fish", k=5, now_round=10, kinds={"message", "sanction"}),
        ]
    )
    assert [s.item.kind for s in messages] == ["message"]
    assert [s.item.kind for s in both] == ["sanction", "message"]


def test_batch_retrieve_equals_individual_retrieves(make_store: StoreFactory) -> None:
    store = make_store()
    store.add(synthetic_items(agents=3, rounds=8, seed=3))
    queries = synthetic_queries(agents=3, count=25, now_round=9, seed=4, varied=True)
    batched = store.retrieve(queries)
    assert batched == [store.retrieve([query])[0] for query in queries]
    assert any(len(result) > 3 for result in batched)


def test_adding_is_idempotent_and_conflicts_are_rejected(make_store: StoreFactory) -> None:
    store = make_store()
    items = synthetic_items(agents=2, rounds=3, seed=5)
    store.add(items)
    store.add(items[:4] + items[:4])  # replayed writes: no-op
    assert store.count() == len(items)
    assert store.count("agent-0") == sum(i.agent == "agent-0" for i in items)
    assert store.count("nobody") == 0
    changed = items[0].model_copy(update={"importance": 0.123456})
    with pytest.raises(DuplicateItemError, match="already taken"):
        store.add([changed, memory("fresh", 1, 0.5, "new")])
    with pytest.raises(DuplicateItemError):
        store.add([memory("twin", 1, 0.5, "a"), memory("twin", 1, 0.5, "b")])
    assert store.count() == len(items)  # nothing of a rejected batch was written
    assert store.retrieve([]) == []
    store.add([])


def test_closed_store_refuses_work(make_store: StoreFactory) -> None:
    store = make_store()
    store.close()
    store.close()
    with pytest.raises(MemoryStoreError, match="closed"):
        store.count()


def test_all_stores_return_identical_rankings(tmp_path: Path) -> None:
    items = synthetic_items(agents=4, rounds=12, seed=11)
    queries = synthetic_queries(agents=4, count=60, now_round=13, seed=12, varied=True)
    results = {}
    for name, factory in FACTORIES.items():
        store = factory(tmp_path)
        store.add(items[: len(items) // 2])  # two batches, as rounds would write them
        store.add(items[len(items) // 2 :])
        results[name] = store.retrieve(queries)
        store.close()
    assert result_ids(results["chroma_exact"]) == result_ids(results["in_memory"])
    assert result_ids(results["chroma_index"]) == result_ids(results["in_memory"])
    # and the scores themselves, bit for bit
    assert results["chroma_exact"] == results["in_memory"] == results["chroma_index"]


def test_settings_build_the_store_they_describe(tmp_path: Path) -> None:
    from pydantic import ValidationError

    from memory import MemorySettings, open_memory

    fast = open_memory(MemorySettings(store="in_memory"), collection="run-1")
    assert isinstance(fast, InMemoryMemory)
    settings = MemorySettings.model_validate(
        {"embedder": "hashing", "embedder_options": {"dim": 64}, "weights": {"recency": 1.0}}
    )
    with open_memory(settings, collection="run-1", path=tmp_path) as store:  # type: ignore[attr-defined]
        assert isinstance(store, ChromaMemory)
        assert store.embedder.config() == {"dim": 64} and store.weights.recency == 1.0
    with pytest.raises(ValueError, match="needs path"):
        open_memory(MemorySettings(), collection="run-1")
    with pytest.raises(ValidationError):
        MemorySettings.model_validate({"stroe": "chroma"})


def test_memory_never_imports_society() -> None:
    import subprocess
    import sys

    code = (
        "import sys, memory, memory.chroma_store, memory.chroma_server, memory.testing\n"
        "import memory.embedders.hashing, memory.embedders.minilm, memory.embedders.chroma_ef\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'society'))"
    )
    child = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert child.stdout.strip() == "[]"


def test_about_and_tags_survive_the_store(make_store: StoreFactory) -> None:
    store = make_store()
    tagged = memory("seen", 1, 0.7, "I inspected bob: over", about="bob", tags=("violation",))
    plain = memory("plain", 1, 0.3, "sunny")
    store.add([tagged, plain])
    (result,) = store.retrieve([MemoryQuery(agent="ann", text="bob", k=5, now_round=1)])
    by_id = {s.item.id: s.item for s in result}
    assert by_id["seen"].about == "bob" and by_id["seen"].tags == ("violation",)
    assert by_id["plain"].about is None and by_id["plain"].tags == ()


def test_a_tag_with_a_comma_is_refused() -> None:
    with pytest.raises(ValueError, match="without commas"):
        memory("x", 1, 0.5, "text", tags=("a,b",))
