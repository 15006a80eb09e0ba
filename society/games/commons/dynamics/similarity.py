"""Norm similarity: mean pairwise cosine similarity of bag-of-words vectors of norm texts."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from itertools import combinations

WORD = re.compile(r"[a-z0-9]+(?:\.[0-9]+)?")


def _vector(text: str) -> Counter[str]:
    return Counter(WORD.findall(text.lower()))


def cosine(a: str, b: str) -> float:
    return _cosine(_vector(a), _vector(b))


def _cosine(va: Counter[str], vb: Counter[str]) -> float:
    dot = sum(count * vb[word] for word, count in va.items())
    norm = math.sqrt(sum(c * c for c in va.values())) * math.sqrt(sum(c * c for c in vb.values()))
    return dot / norm if norm else 0.0


def mean_pairwise_similarity(texts: Sequence[str]) -> float | None:
    """None for fewer than two texts (similarity is undefined)."""
    pairs = len(texts) * (len(texts) - 1) // 2
    if not pairs:
        return None
    # O(N²) pairs: each distinct text is split once and each ordered pair of distinct texts
    # scored once (texts repeat: agents propose alike). Same values, summed in the same order.
    vectors = {text: _vector(text) for text in texts}
    scores: dict[tuple[str, str], float] = {}

    def score(a: str, b: str) -> float:
        if (a, b) not in scores:
            scores[a, b] = _cosine(vectors[a], vectors[b])
        return scores[a, b]

    return sum(score(a, b) for a, b in combinations(texts, 2)) / pairs
