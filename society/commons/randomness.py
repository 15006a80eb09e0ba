"""Seeded random generators derived per purpose, so concurrency never changes a draw."""

from __future__ import annotations

import random


def derive_rng(seed: int, *purpose: str | int) -> random.Random:
    """A generator keyed by (seed, purpose...). String seeds are hashed with SHA-512 by
    `random.Random`, which is stable across processes (unlike the salted built-in hash())."""
    return random.Random(":".join(str(part) for part in (seed, *purpose)))
