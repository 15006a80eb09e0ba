"""ChromaMemory through HttpClient against a real `chroma run` server on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from memory import ChromaMemory, ChromaServer, InMemoryMemory, MemoryStoreError
from memory.embedders.hashing import HashingEmbedder
from memory.testing import synthetic_items, synthetic_queries


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ChromaServer]:
    chroma = ChromaServer(tmp_path / "server-data", host="127.0.0.1")
    try:
        chroma.start()
    except MemoryStoreError as error:
        pytest.skip(f"the Chroma server could not start here: {error}")
    try:
        yield chroma
    finally:
        chroma.stop()


def test_add_and_retrieve_through_a_chroma_server(server: ChromaServer) -> None:
    items = synthetic_items(agents=3, rounds=5, seed=21)
    queries = synthetic_queries(agents=3, count=15, now_round=6, seed=22, varied=True)
    reference = InMemoryMemory(HashingEmbedder())
    reference.add(items)
    with ChromaMemory("served-run", HashingEmbedder(), url=server.url) as remote:
        remote.add(items)
        assert remote.retrieve(queries) == reference.retrieve(queries)
    # a second client sees the data the server persisted, embedder included, whether it
    # loads a cache or asks the server per query
    for cache in (True, False):
        with ChromaMemory("served-run", url=server.url, cache=cache) as again:
            assert again.cached is cache
            assert again.count() == len(items)
            assert again.retrieve(queries) == reference.retrieve(queries)
    with ChromaMemory("indexed-run", HashingEmbedder(), url=server.url, search="index") as indexed:
        indexed.add(items)
    with ChromaMemory("indexed-run", url=server.url, search="index", candidates=3) as again:
        assert again.retrieve(queries) == reference.retrieve(queries)
    assert (Path(server.path) / "chroma.sqlite3").exists()


def test_server_stops_and_bad_urls_are_explained(server: ChromaServer) -> None:
    url = server.url
    server.stop()
    server.stop()  # idempotent
    with pytest.raises(ValueError, match="http://HOST:PORT"):
        ChromaMemory("x-run", url="127.0.0.1:8000")
    with pytest.raises(Exception, match=r"(?i)connect"):
        ChromaMemory("x-run", url=url)
