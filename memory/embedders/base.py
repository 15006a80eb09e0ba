"""The embedder extension point: texts in, one float32 vector per text out."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable

import numpy as np


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into vectors. Implementations must be deterministic: the vector of a text
    never depends on the other texts embedded in the same call.

    `name` and `config()` identify the vectors: `make_embedder(name, **config())` rebuilds an
    embedder that gives the same vectors (stores persist both and check them on reopen).
    """

    @property
    def name(self) -> str: ...

    def config(self) -> dict[str, Any]: ...

    def embed(self, texts: Sequence[str]) -> np.ndarray: ...


def normalize_rows(vectors: np.ndarray) -> np.ndarray:
    """float32 rows scaled to unit L2 norm; all-zero rows stay zero (relevance 0 to anything)."""
    rows = np.asarray(vectors, dtype=np.float32)
    if rows.ndim != 2:
        raise ValueError(f"expected a 2-d array of embeddings, got shape {rows.shape}")
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    return np.divide(rows, norms, out=np.zeros_like(rows), where=norms > 0).astype(np.float32)


def embed_unit(embedder: Embedder, texts: Sequence[str]) -> np.ndarray:
    """Embed texts in one call and L2-normalise the rows, checking the embedder's output."""
    if not texts:
        return np.zeros((0, 0), dtype=np.float32)
    raw = np.asarray(embedder.embed(list(texts)))
    if raw.ndim != 2 or raw.shape[0] != len(texts):
        raise ValueError(
            f"embedder {embedder.name!r} returned shape {raw.shape} for {len(texts)} texts"
        )
    if not np.all(np.isfinite(raw)):
        raise ValueError(f"embedder {embedder.name!r} returned non-finite values")
    return normalize_rows(raw)
