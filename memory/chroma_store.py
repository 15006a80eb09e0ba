"""`ChromaMemory`: agents' memories in one Chroma collection per run.

Where the data lives: an embedded `PersistentClient(path)` (the default: files under the run
folder) or a Chroma server through `HttpClient` (`url="http://127.0.0.1:8000"`, e.g. one
started with `chroma run --path DIR --host 127.0.0.1 --port 8000`, see `memory.chroma_server`).

Each item is one record: id, the text as document, its unit-normalised embedding (computed
here, in one embedder call per batch) and metadata agent / round / kind / importance / pinned
/ source_seq / about / tags (the last three absent when unset; tags comma-joined). The collection uses inner-product space, so Chroma's distance
is 1 − cosine similarity, and records its embedder for reopening.

Retrieval returns exactly what `memory.scoring.answer` defines, like `InMemoryMemory`. Two ways
to get there, chosen with `search`:

- `"exact"` (default): every item of the agent is scored in numpy. With `cache=True` (the
  default for exact search) the items come from a write-through cache in this process: the
  store loads the whole collection into `memory.shelves.Shelves` when it opens, and `add`
  writes each batch to Chroma first and to the cache after Chroma accepted it, so Chroma
  always holds everything written (a killed run loses nothing) and retrieval costs what
  `InMemoryMemory` costs, never a Chroma call. The cache holds the embeddings (float32:
  4 · dims bytes per item, 100 MB per 100k items at 256 dims) beside the items. With
  `cache=False`, per agent in the batch one `get` filtered by agent fetches the agent's items
  with their embeddings: use it to read a collection another process is writing (the cache
  sees only this process's writes after opening). Same results either way.
- `"index"`: Chroma's nearest-neighbour index ranks by relevance only, so per agent (and kinds
  filter) one `query` with all of that agent's query texts returns the `candidates` most
  relevant unpinned items each; then one `get` fetches the unseen items that could still
  outscore the k-th candidate (importance and round bounds, `memory.scoring.unseen_bounds`),
  and one `get` per batch fetches the pinned items. Exact whenever the index returns the true
  nearest neighbours; HNSW is approximate, so on large memories a result can occasionally
  differ. Measured slower than `"exact"` at every size tried (up to 1,000 items per agent,
  BENCHMARKS.md): with GovSim's weights importance dominates the score, so the bounds prune
  little. It is there for relevance-heavy weights and very large per-agent memories.

Filters use agent, pinned and kind, never a round range: Chroma evaluates range filters slowly
(measured 3-4x the cost of an agent filter), and rounds are cheap to filter here instead.

One process writes a run's collection; other processes may read it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import numpy as np
from chromadb.api import ClientAPI
from chromadb.api.models.Collection import Collection
from chromadb.config import Settings
from chromadb.errors import NotFoundError

from memory._batch import by_agent, not_yet_held, unique_items
from memory.chroma_function import MemoryEmbeddingFunction
from memory.embedders.base import Embedder, embed_unit
from memory.embedders.registry import DEFAULT_EMBEDDER, make_embedder
from memory.errors import MemoryStoreError, StoreMismatchError
from memory.items import MemoryItem, MemoryQuery, ScoredMemory
from memory.scoring import RetrievalWeights, UnseenBounds, answer, unseen_bounds
from memory.shelves import Shelves

SCHEMA_VERSION = 1
Search = Literal["exact", "index"]
_RELEVANCE_TOLERANCE = 1e-5  # Chroma's float32 distances vs our float64 dot products
_FIELDS: list[Any] = ["embeddings", "metadatas", "documents"]
# Chroma maintains an HNSW graph on every add whatever the retrieval; exact search never reads
# it, so a collection created for exact search gets a sparse, cheaply built graph (an add costs
# about half, and grows less with the collection, BENCHMARKS.md "Memory"); Chroma's own
# queries on it still work, less accurately. Index search refuses such a collection.
SPARSE_HNSW = {"ef_construction": 8, "max_neighbors": 4}


def make_client(*, path: str | Path | None = None, url: str | None = None) -> ClientAPI:
    """An embedded client on `path`, or an HTTP client for a Chroma server at `url`."""
    import chromadb

    if (path is None) == (url is None):
        raise ValueError("give exactly one of path= (embedded Chroma) or url= (Chroma server)")
    settings = Settings(anonymized_telemetry=False)
    if path is not None:
        return chromadb.PersistentClient(path=str(path), settings=settings)
    assert url is not None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"Chroma server url must look like http://HOST:PORT, got {url!r}")
    ssl = parts.scheme == "https"
    port = parts.port or (443 if ssl else 8000)
    return chromadb.HttpClient(host=parts.hostname, port=port, ssl=ssl, settings=settings)


def _sparse(collection: Collection) -> bool:
    graph = (collection.configuration or {}).get("hnsw") or {}
    return all(graph.get(key) == value for key, value in SPARSE_HNSW.items())


def _where(*conditions: Mapping[str, Any]) -> dict[str, Any]:
    return dict(conditions[0]) if len(conditions) == 1 else {"$and": list(conditions)}


def _metadata(item: MemoryItem) -> dict[str, Any]:
    metadata: dict[str, Any] = {
        "agent": item.agent,
        "round": item.round,
        "kind": item.kind,
        "importance": item.importance,
        "pinned": item.pinned,
    }
    if item.source_seq is not None:
        metadata["source_seq"] = item.source_seq
    if item.about is not None:
        metadata["about"] = item.about
    if item.tags:
        # Chroma metadata values are scalars: tags travel as one comma-joined string.
        metadata["tags"] = ",".join(item.tags)
    return metadata


def _items(record: Mapping[str, Any]) -> tuple[list[MemoryItem], np.ndarray]:
    """Items and float32 embeddings from a `get` answer (flat lists)."""
    items = [
        MemoryItem(
            id=record_id,
            agent=meta["agent"],
            round=meta["round"],
            kind=meta["kind"],
            text=document,
            importance=meta["importance"],
            source_seq=meta.get("source_seq"),
            pinned=meta["pinned"],
            about=meta.get("about"),
            tags=tuple(meta["tags"].split(",")) if meta.get("tags") else (),
        )
        for record_id, meta, document in zip(
            record["ids"], record["metadatas"], record["documents"], strict=True
        )
    ]
    embeddings = record.get("embeddings")
    if embeddings is None or len(items) == 0:
        return items, np.zeros((len(items), 0), dtype=np.float32)
    return items, np.asarray(embeddings, dtype=np.float32)


def _join(
    *parts: tuple[list[MemoryItem], np.ndarray],
) -> tuple[list[MemoryItem], np.ndarray]:
    """Concatenate (items, vectors) pairs, skipping empty ones (whose vectors have no width)."""
    kept = [part for part in parts if part[0]]
    if not kept:
        return [], np.zeros((0, 0), dtype=np.float32)
    items = [item for part in kept for item in part[0]]
    return items, np.concatenate([part[1] for part in kept])


class ChromaMemory:
    """An `EpisodicMemory` in a Chroma collection (embedded or on a server).

    Give exactly one of `path`, `url` or `client` (a client you pass stays yours to close).
    `embedder=None` reuses the embedder the collection was created with, or `hashing` for a new
    collection; a different embedder than the recorded one raises `StoreMismatchError`.
    `cache` (exact search only; default: on for exact search) serves retrieval from an
    in-process copy of the collection, kept by write-through (see the module's docstring).
    """

    def __init__(
        self,
        collection: str,
        embedder: Embedder | None = None,
        *,
        path: str | Path | None = None,
        url: str | None = None,
        client: ClientAPI | None = None,
        weights: RetrievalWeights | None = None,
        search: Search = "exact",
        candidates: int = 32,
        cache: bool | None = None,
    ) -> None:
        if search not in ("exact", "index"):
            raise ValueError(f"search must be 'exact' or 'index', got {search!r}")
        if cache and search == "index":
            raise ValueError(
                "cache=True serves exact search from this process; index search asks Chroma's "
                "index, so it takes no cache (leave cache unset or False)"
            )
        if candidates < 1:
            raise ValueError("candidates must be ≥ 1")
        if client is not None and (path is not None or url is not None):
            raise ValueError("give client= alone, or path= / url= to make one")
        self._owns_client = client is None
        self._client = client if client is not None else make_client(path=path, url=url)
        self.weights = weights or RetrievalWeights()
        self.search: Search = search
        self.candidates = candidates
        self._closed = False
        self._cache: Shelves | None = None
        try:
            self._collection, self.embedder = self._open(collection, embedder)
            self._max_batch = self._client.get_max_batch_size()
            if cache is None:
                cache = search == "exact"
            if cache:
                self._cache = self._load_cache()
        except BaseException:
            self.close()
            raise

    def _open(self, name: str, embedder: Embedder | None) -> tuple[Collection, Embedder]:
        try:
            collection = self._client.get_collection(name)
        except NotFoundError:
            chosen = embedder or make_embedder(DEFAULT_EMBEDDER)
            graph = SPARSE_HNSW if self.search == "exact" else {}
            collection = self._client.create_collection(
                name,
                configuration={"hnsw": {"space": "ip", **graph}},
                embedding_function=MemoryEmbeddingFunction(chosen),  # type: ignore[arg-type]
                metadata={
                    "memory_schema": SCHEMA_VERSION,
                    "embedder": chosen.name,
                    "embedder_config": json.dumps(chosen.config(), sort_keys=True),
                },
            )
            return collection, chosen
        meta = collection.metadata or {}
        if meta.get("memory_schema") != SCHEMA_VERSION:
            raise StoreMismatchError(
                f"Chroma collection {name!r} was not written by memory schema {SCHEMA_VERSION} "
                f"(its metadata: {meta}); use another collection name"
            )
        if self.search == "index" and _sparse(collection):
            raise StoreMismatchError(
                f"Chroma collection {name!r} was created for exact search: its nearest-neighbour "
                f"index is a sparse graph ({SPARSE_HNSW}), so index search would miss "
                "neighbours; open it with search='exact', or create a new collection with "
                "search='index'"
            )
        recorded = (meta["embedder"], meta["embedder_config"])
        if embedder is None:
            embedder = make_embedder(meta["embedder"], **json.loads(meta["embedder_config"]))
        given = (embedder.name, json.dumps(embedder.config(), sort_keys=True))
        if given != recorded:
            raise StoreMismatchError(
                f"Chroma collection {name!r} holds vectors of embedder {recorded[0]} "
                f"{recorded[1]}, not {given[0]} {given[1]}; reopen it with embedder=None (or "
                "the same embedder), or use a new collection"
            )
        return collection, embedder

    def _check_open(self) -> None:
        if self._closed:
            raise MemoryStoreError("this ChromaMemory is closed")

    def _get(self, **kwargs: Any) -> tuple[list[MemoryItem], np.ndarray]:
        return _items(self._collection.get(include=_FIELDS, **kwargs))

    def _load_cache(self) -> Shelves:
        """The whole collection, read in pages of Chroma's largest batch."""
        shelves = Shelves()
        total = self._collection.count()
        for offset in range(0, total, self._max_batch):
            items, vectors = self._get(limit=self._max_batch, offset=offset)
            shelves.extend(items, vectors)
        return shelves

    @property
    def cached(self) -> bool:
        """Whether retrieval is served from the in-process cache."""
        return self._cache is not None

    def cache_bytes(self) -> int:
        """Bytes of embeddings the cache holds (0 without a cache)."""
        return 0 if self._cache is None else self._cache.vector_bytes()

    # --- writing -------------------------------------------------------------------------

    def add(self, items: Sequence[MemoryItem]) -> None:
        self._check_open()
        batch = unique_items(items)
        fresh = not_yet_held(batch, self._held(batch))
        if not fresh:
            return
        vectors = embed_unit(self.embedder, [item.text for item in fresh])
        for start in range(0, len(fresh), self._max_batch):
            chunk = fresh[start : start + self._max_batch]
            chunk_vectors = vectors[start : start + len(chunk)]
            self._collection.add(
                ids=[item.id for item in chunk],
                documents=[item.text for item in chunk],
                metadatas=[_metadata(item) for item in chunk],  # type: ignore[misc]
                embeddings=chunk_vectors,
            )
            if self._cache is not None:  # after Chroma took the chunk: write-through
                self._cache.extend(chunk, chunk_vectors)

    def _held(self, batch: Sequence[MemoryItem]) -> Mapping[str, MemoryItem]:
        """The stored items under the batch's ids: the cache knows them all (this process is
        the collection's one writer); without it, ask Chroma."""
        if self._cache is not None:
            return self._cache.by_id
        held: dict[str, MemoryItem] = {}
        for start in range(0, len(batch), self._max_batch):
            ids = [item.id for item in batch[start : start + self._max_batch]]
            record = self._collection.get(ids=ids, include=["metadatas", "documents"])
            found, _ = _items({**record, "embeddings": None})
            held.update((item.id, item) for item in found)
        return held

    # --- reading -------------------------------------------------------------------------

    def retrieve(self, queries: Sequence[MemoryQuery]) -> list[list[ScoredMemory]]:
        self._check_open()
        results: list[list[ScoredMemory]] = [[] for _ in queries]
        if not queries:
            return results
        query_vectors = embed_unit(self.embedder, [query.text for query in queries])
        if self._cache is not None:
            return self._cache.retrieve(queries, query_vectors, self.weights)
        groups = by_agent(queries)
        if self.search == "exact":
            for agent, positions in groups.items():
                items, vectors = self._get(where={"agent": agent})
                for p in positions:
                    results[p] = answer(queries[p], items, vectors, query_vectors[p], self.weights)
            return results
        pinned_items, pinned_vectors = self._pinned(queries)
        for agent, positions in groups.items():
            mine = [i for i, item in enumerate(pinned_items) if item.agent == agent]
            own = ([pinned_items[i] for i in mine], pinned_vectors[mine])
            ranked = self._index_candidates(agent, queries, positions, query_vectors)
            for p in positions:
                items, vectors = _join(ranked[p], own)
                results[p] = answer(queries[p], items, vectors, query_vectors[p], self.weights)
        return results

    def _pinned(self, queries: Sequence[MemoryQuery]) -> tuple[list[MemoryItem], np.ndarray]:
        """All pinned items (current and superseded) of the agents that want them, one call."""
        agents = sorted({q.agent for q in queries if q.include_pinned})
        if not agents:
            return [], np.zeros((0, 0), dtype=np.float32)
        return self._get(where=_where({"pinned": True}, {"agent": {"$in": agents}}))

    def _rank_filter(self, query: MemoryQuery) -> list[dict[str, Any]]:
        conditions: list[dict[str, Any]] = [{"agent": query.agent}, {"pinned": False}]
        if query.kinds is not None:
            conditions.append({"kind": {"$in": sorted(query.kinds)}})
        return conditions

    def _index_candidates(
        self,
        agent: str,
        queries: Sequence[MemoryQuery],
        positions: list[int],
        query_vectors: np.ndarray,
    ) -> dict[int, tuple[list[MemoryItem], np.ndarray]]:
        """Per query: the nearest items by relevance plus every unseen item that could still
        make its top-k. Queries sharing a filter go to Chroma in one call."""
        out: dict[int, tuple[list[MemoryItem], np.ndarray]] = {
            p: ([], np.zeros((0, 0), dtype=np.float32)) for p in positions
        }
        by_filter: dict[str, list[int]] = {}
        for p in positions:
            if queries[p].k > 0:
                key = json.dumps(self._rank_filter(queries[p]), sort_keys=True)
                by_filter.setdefault(key, []).append(p)
        for members in by_filter.values():
            conditions = self._rank_filter(queries[members[0]])
            n = max(self.candidates, *(queries[p].k for p in members))
            record = self._collection.query(
                query_embeddings=query_vectors[members],
                n_results=n,
                where=_where(*conditions),
                include=_FIELDS,
            )
            loosest: UnseenBounds | None = None
            needing: list[int] = []
            for row, p in enumerate(members):
                flat = {
                    key: (record[key] or [[]])[row] for key in ("ids", "metadatas", "documents")
                }
                flat["embeddings"] = (record["embeddings"] or [[]])[row]
                items, vectors = _items(flat)
                out[p] = (items, vectors)
                bounds = self._unseen(queries[p], items, vectors, query_vectors[p], n)
                if bounds is not None:
                    needing.append(p)
                    loosest = (
                        bounds
                        if loosest is None
                        else UnseenBounds(
                            min(loosest.min_importance, bounds.min_importance),
                            min(loosest.min_round, bounds.min_round),
                        )
                    )
            if loosest is None:
                continue
            bounds_filter: list[dict[str, Any]] = []  # trivial bounds cost a range scan
            if loosest.min_importance > 0:
                bounds_filter.append({"importance": {"$gte": loosest.min_importance}})
            if loosest.min_round > 0:
                bounds_filter.append({"round": {"$gte": loosest.min_round}})
            extra, extra_vectors = self._get(where=_where(*conditions, *bounds_filter))
            for p in needing:
                out[p] = _join(out[p], (extra, extra_vectors))
        return out

    def _unseen(
        self,
        query: MemoryQuery,
        items: list[MemoryItem],
        vectors: np.ndarray,
        query_vector: np.ndarray,
        n: int,
    ) -> UnseenBounds | None:
        """Bounds on unseen items that could enter the top-k; None if none can."""
        if len(items) < n:
            return None  # Chroma returned every item that passes the filter
        ranked = answer(
            query.model_copy(update={"include_pinned": False}),
            items,
            vectors,
            query_vector,
            self.weights,
        )
        if len(ranked) < query.k:  # candidates from later rounds took places: fetch all
            return UnseenBounds(0.0, 0)
        worst_seen = float(min(np.asarray(vectors, dtype=np.float64) @ query_vector))
        return unseen_bounds(
            ranked[query.k - 1].score,
            worst_seen + _RELEVANCE_TOLERANCE,
            query.now_round,
            self.weights,
        )

    # --- housekeeping --------------------------------------------------------------------

    def forget_since(self, source_seq: int) -> int:
        """Delete the items whose `source_seq` is `source_seq` or later (a resumed run drops
        what its unfinished round stored). Returns how many were deleted."""
        self._check_open()
        where: dict[str, Any] = {"source_seq": {"$gte": source_seq}}
        doomed = self._collection.get(where=where, include=[])["ids"]
        for start in range(0, len(doomed), self._max_batch):
            chunk = doomed[start : start + self._max_batch]
            self._collection.delete(ids=chunk)
            if self._cache is not None:
                self._cache.drop(chunk)
        return len(doomed)

    def count(self, agent: str | None = None) -> int:
        self._check_open()
        if self._cache is not None:
            return self._cache.count(agent)
        if agent is None:
            return self._collection.count()
        return len(self._collection.get(where={"agent": agent}, include=[])["ids"])

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._cache is not None:
            self._cache.clear()
        if self._owns_client:
            self._client.close()

    def __enter__(self) -> ChromaMemory:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
