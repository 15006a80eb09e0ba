"""`hashing`: a lexical embedder by feature hashing (numpy only, offline, fast).

Each lower-cased word (regex `\\w+`) adds ±1 to one of `dim` buckets, chosen by a BLAKE2b
hash of the word (stable across processes, unlike Python's salted `hash()`); the sign comes
from another bit of the same hash, so collisions cancel out on average instead of piling up.
Rows are L2-normalised. Two texts are similar when they share words: no synonyms, no
morphology ("harvest" and "harvested" are unrelated). Use `minilm` for semantic similarity.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from typing import Any

import numpy as np

from memory.embedders.base import normalize_rows

_WORD = re.compile(r"\w+")
_CACHE_LIMIT = 1_000_000


class HashingEmbedder:
    """Signed feature hashing of words into `dim` buckets."""

    def __init__(self, dim: int = 256) -> None:
        if not isinstance(dim, int) or isinstance(dim, bool) or dim < 2:
            raise ValueError(f"hashing embedder: dim must be an integer ≥ 2, got {dim!r}")
        self.dim = dim
        self._slots: dict[str, tuple[int, float]] = {}

    @property
    def name(self) -> str:
        return "hashing"

    def config(self) -> dict[str, Any]:
        return {"dim": self.dim}

    def _slot(self, word: str) -> tuple[int, float]:
        slot = self._slots.get(word)
        if slot is None:
            digest = hashlib.blake2b(word.encode("utf-8"), digest_size=8).digest()
            value = int.from_bytes(digest, "little")
            slot = (value % self.dim, 1.0 if value >> 63 else -1.0)
            if len(self._slots) >= _CACHE_LIMIT:
                self._slots.clear()
            self._slots[word] = slot
        return slot

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        flat: list[int] = []  # row · dim + bucket, one entry per word
        signs: list[float] = []
        slots = self._slots
        for row, text in enumerate(texts):
            offset = row * self.dim
            for word in _WORD.findall(text.lower()):
                col, sign = slots.get(word) or self._slot(word)
                flat.append(offset + col)
                signs.append(sign)
        counts = np.bincount(
            np.asarray(flat, dtype=np.intp),
            weights=np.asarray(signs, dtype=np.float64),
            minlength=len(texts) * self.dim,
        )
        return normalize_rows(counts.reshape(len(texts), self.dim))
