"""Garbage-collector settings for a whole run in its own process.

A run allocates many short-lived containers (events, views, decisions) and few cycles; with
the default thresholds the collector takes 10–40% of a rule run's CPU (BENCHMARKS.md).
Freezing what exists before the run and raising the first-generation threshold keeps
collection for the garbage the run itself makes.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

RUN_THRESHOLDS = (50_000, 50, 100)


@contextmanager
def tuned_gc() -> Iterator[None]:
    """Within the block: objects made before it are frozen and the thresholds raised; both
    are restored afterwards (for library users who call runs in a larger program)."""
    saved = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(*RUN_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*saved)
        gc.unfreeze()
