"""ChromaMemory's write-through cache: retrieval served in the process answers exactly what the
in-memory store and Chroma itself answer (items, order, scores), across many random adds and
queries, reopened folders, replayed writes and rewinds; and Chroma keeps every write of a
process killed without closing the store."""

from __future__ import annotations

import json
import random
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from memory import (
    ChromaMemory,
    InMemoryMemory,
    MemoryItem,
    MemoryQuery,
    StoreMismatchError,
)
from memory.embedders.hashing import HashingEmbedder
from memory.testing import result_ids, synthetic_items, synthetic_queries

ROOT = Path(__file__).resolve().parent.parent
AGENTS = 6


def round_batch(round_: int, seed: int) -> list[MemoryItem]:
    """One round's writes for every agent, with source_seq growing with the round."""
    return synthetic_items(
        agents=AGENTS, rounds=1, per_round=4, first_round=round_, seed=seed, pinned_every=2
    )


def queries_at(now: int, seed: int) -> list[MemoryQuery]:
    return synthetic_queries(agents=AGENTS, count=30, now_round=now, seed=seed, varied=True)


def open_cached(path: Path) -> ChromaMemory:
    store = ChromaMemory("cached-run", path=path, embedder=HashingEmbedder(dim=64))
    assert store.cached
    return store


def open_uncached(path: Path) -> ChromaMemory:
    store = ChromaMemory("cached-run", path=path, cache=False)
    assert not store.cached
    return store


@pytest.mark.parametrize("seed", range(3))
def test_cached_chroma_equals_in_memory_over_random_adds_reopens_and_rewinds(
    tmp_path: Path, seed: int
) -> None:
    rng = random.Random(seed)
    reference = InMemoryMemory(HashingEmbedder(dim=64))
    store = open_cached(tmp_path)
    written: list[MemoryItem] = []
    for round_ in range(12):
        batch = round_batch(round_, seed * 100 + round_)
        rng.shuffle(batch)
        cut = rng.randrange(len(batch) + 1)  # a round's writes in one or two calls
        for part in (batch[:cut], batch[cut:]):
            store.add(part)
            reference.add(part)
        written.extend(batch)
        if rng.random() < 0.3:  # replayed writes are a no-op in both
            replay = rng.sample(written, 5)
            store.add(replay)
            reference.add(replay)
        queries = queries_at(round_ + 1, seed * 100 + round_)
        expected = reference.retrieve(queries)
        assert store.retrieve(queries) == expected
        assert store.count() == reference.count() == len(written)
        if rng.random() < 0.4:  # reopen the folder: the cache is rebuilt from Chroma
            store.close()
            store = open_cached(tmp_path)
            assert store.retrieve(queries) == expected
        if round_ == 7:  # rewind like a resume does, then play the rewound round again
            first_seq = min(i.source_seq for i in batch if i.source_seq is not None)
            dropped = store.forget_since(first_seq)
            assert dropped == len(batch) and store.count() == len(written) - len(batch)
            store.add(batch)
    store.close()
    # Chroma itself (no cache: a get per agent) answers the same as the cache did
    final = queries_at(13, seed)
    with open_uncached(tmp_path) as direct, open_cached(tmp_path) as cached:
        expected = reference.retrieve(final)
        assert direct.retrieve(final) == cached.retrieve(final) == expected
        assert direct.count("agent-1") == cached.count("agent-1") == reference.count("agent-1")
        assert any(len(result) > 3 for result in expected)


def test_a_rewind_leaves_the_cache_as_a_fresh_store_of_what_remains(tmp_path: Path) -> None:
    items = [item for r in range(6) for item in round_batch(r, r)]
    cutoff = min(i.source_seq for i in round_batch(4, 4) if i.source_seq is not None)
    kept = [item for item in items if item.source_seq is None or item.source_seq < cutoff]
    with open_cached(tmp_path / "a") as store:
        store.add(items)
        assert store.forget_since(cutoff) == len(items) - len(kept)
        bytes_after = store.cache_bytes()
        queries = queries_at(6, 9)
        with ChromaMemory("fresh-run", HashingEmbedder(dim=64), path=tmp_path / "b") as fresh:
            fresh.add(kept)
            assert store.retrieve(queries) == fresh.retrieve(queries)
            assert bytes_after == fresh.cache_bytes() == len(kept) * 64 * 4


def test_a_killed_writer_loses_nothing_it_added(tmp_path: Path) -> None:
    """Write-through: the child adds three rounds and is SIGKILLed without closing the store;
    a new process finds every item and retrieves what an uninterrupted store retrieves."""
    code = f"""
        import os, signal
        from memory import ChromaMemory
        from memory.embedders.hashing import HashingEmbedder
        from memory.testing import synthetic_items
        store = ChromaMemory("cached-run", HashingEmbedder(dim=64), path={str(tmp_path)!r})
        for round_ in range(3):
            store.add(synthetic_items(agents={AGENTS}, rounds=1, per_round=4,
                                      first_round=round_, seed=round_, pinned_every=2))
        print("added", flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
        """
    child = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    assert child.returncode == -9 and child.stdout.strip() == "added", child.stderr
    written = [item for r in range(3) for item in round_batch(r, r)]
    reference = InMemoryMemory(HashingEmbedder(dim=64))
    reference.add(written)
    queries = queries_at(3, 5)
    with open_cached(tmp_path) as store:
        assert store.count() == len(written)
        assert store.retrieve(queries) == reference.retrieve(queries)


def test_reopened_in_a_new_process_the_cache_answers_the_same(tmp_path: Path) -> None:
    items = [item for r in range(5) for item in round_batch(r, r)]
    queries = queries_at(5, 3)
    with open_cached(tmp_path) as store:
        store.add(items)
        expected = result_ids(store.retrieve(queries))
    code = f"""
        import json
        from memory import ChromaMemory
        from memory.testing import result_ids, synthetic_queries
        with ChromaMemory("cached-run", path={str(tmp_path)!r}) as store:
            assert store.cached
            queries = synthetic_queries(agents={AGENTS}, count=30, now_round=5, seed=3,
                                        varied=True)
            print(json.dumps(result_ids(store.retrieve(queries))))
        """
    child = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    assert child.returncode == 0, child.stderr
    assert json.loads(child.stdout) == expected


def test_index_search_takes_no_cache_and_no_sparse_collection(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="takes no cache"):
        ChromaMemory("some-run", HashingEmbedder(), path=tmp_path, search="index", cache=True)
    with ChromaMemory("exact-run", HashingEmbedder(), path=tmp_path) as exact:
        exact.add(round_batch(0, 0))
    with pytest.raises(StoreMismatchError, match="created for exact search"):
        ChromaMemory("exact-run", path=tmp_path, search="index")
    with ChromaMemory("index-run", HashingEmbedder(), path=tmp_path, search="index") as index:
        assert not index.cached
        index.add(round_batch(0, 0))
    with ChromaMemory("index-run", path=tmp_path) as reopened:  # exact search reads any
        assert reopened.cached and reopened.count() == len(round_batch(0, 0))
