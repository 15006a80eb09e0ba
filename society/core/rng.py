"""Seeded random generators derived per purpose, so concurrency never changes a draw."""

from __future__ import annotations

import json
import random


def derive_rng(seed: int, *purpose: str | int) -> random.Random:
    """A generator keyed by (seed, purpose...). The key is JSON-encoded (so distinct purposes never collide) and hashed with SHA-512 by
    `random.Random`, which is stable across processes (unlike the salted built-in hash())."""
    return random.Random(json.dumps([seed, *purpose]))
