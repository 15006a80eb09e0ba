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
    va, vb = _vector(a), _vector(b)
    dot = sum(count * vb[word] for word, count in va.items())
    norm = math.sqrt(sum(c * c for c in va.values())) * math.sqrt(sum(c * c for c in vb.values()))
    return dot / norm if norm else 0.0


def mean_pairwise_similarity(texts: Sequence[str]) -> float | None:
    """None for fewer than two texts (similarity is undefined)."""
    pairs = list(combinations(texts, 2))
    if not pairs:
        return None
    return sum(cosine(a, b) for a, b in pairs) / len(pairs)
