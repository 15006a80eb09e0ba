"""A persisted ChromaMemory reopens in a new process, embedder included."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from memory import ChromaMemory, MemoryQuery, StoreMismatchError
from memory.embedders.hashing import HashingEmbedder
from memory.testing import result_ids, synthetic_items, synthetic_queries

ROOT = Path(__file__).resolve().parent.parent
QUERY_ARGS = {"agents": 3, "count": 12, "now_round": 6, "seed": 8, "varied": True}


def run_python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )


@pytest.fixture
def persisted(tmp_path: Path) -> tuple[Path, list[list[str]]]:
    """A store written and closed by this process, and what it answered before closing."""
    with ChromaMemory("run-7", HashingEmbedder(dim=64), path=tmp_path) as store:
        store.add(synthetic_items(agents=3, rounds=6, seed=7))
        return tmp_path, result_ids(store.retrieve(synthetic_queries(**QUERY_ARGS)))


def test_reopened_in_a_new_process_answers_the_same(persisted: tuple[Path, list]) -> None:
    path, expected = persisted
    child = run_python(
        f"""
        import json
        from memory import ChromaMemory
        from memory.testing import result_ids, synthetic_queries
        with ChromaMemory("run-7", path={str(path)!r}) as store:  # embedder from the store
            assert store.embedder.config() == {{"dim": 64}}, store.embedder.config()
            print(json.dumps([store.count(), result_ids(store.retrieve(
                synthetic_queries(**{QUERY_ARGS!r})))]))
        """
    )
    assert child.returncode == 0, child.stderr
    count, answered = json.loads(child.stdout)
    assert count == len(synthetic_items(agents=3, rounds=6, seed=7))
    assert answered == expected


def test_raw_chroma_needs_the_registered_embedding_function(persisted: tuple[Path, list]) -> None:
    path, _ = persisted
    query = f"""
        import chromadb
        client = chromadb.PersistentClient({str(path)!r})
        print(client.get_collection("run-7").query(query_texts=["fish"], n_results=3)["ids"])
        """
    unregistered = run_python(query)
    assert unregistered.returncode != 0
    assert "society_memory not found" in unregistered.stderr
    registered = run_python("import memory.chroma_function\n" + textwrap.dedent(query))
    assert registered.returncode == 0, registered.stderr
    assert len(ast.literal_eval(registered.stdout)[0]) == 3


def test_reopening_with_another_embedder_is_refused(persisted: tuple[Path, list]) -> None:
    path, _ = persisted
    with pytest.raises(StoreMismatchError, match=r"embedder hashing \{\"dim\": 64\}"):
        ChromaMemory("run-7", HashingEmbedder(dim=256), path=path)
    with ChromaMemory("run-7", HashingEmbedder(dim=64), path=path) as same:
        assert same.retrieve([MemoryQuery(agent="agent-0", text="fish", k=1, now_round=5)])[0]


def test_a_foreign_collection_is_refused(tmp_path: Path) -> None:
    import chromadb

    client = chromadb.PersistentClient(str(tmp_path))
    client.create_collection("not-ours", embedding_function=None)
    with pytest.raises(StoreMismatchError, match="not written by memory schema"):
        ChromaMemory("not-ours", client=client)
    client.close()
