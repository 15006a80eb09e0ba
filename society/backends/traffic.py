"""Live counters of a run's model calls, for the progress display: calls in flight and calls
per second. Read from another thread (the progress bar refreshes on its own), so every access
takes a lock; nothing here reaches the transcript."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

# Calls per second are counted over this many recent seconds (fewer at the start of a run),
# so the figure follows a server going down or coming back. [O]
RATE_WINDOW_S = 30.0


@dataclass(frozen=True)
class TrafficSnapshot:
    in_flight: int
    finished: int  # calls that returned or raised
    per_second: float  # over the last RATE_WINDOW_S (or since the first call)


class CallTraffic:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._in_flight = 0
        self._finished = 0
        self._first: float | None = None
        self._recent: deque[float] = deque()

    def began(self) -> None:
        with self._lock:
            self._in_flight += 1
            if self._first is None:
                self._first = self._clock()

    def ended(self) -> None:
        now = self._clock()
        with self._lock:
            self._in_flight -= 1
            self._finished += 1
            self._recent.append(now)
            self._forget_before(now - RATE_WINDOW_S)

    def snapshot(self) -> TrafficSnapshot:
        now = self._clock()
        with self._lock:
            self._forget_before(now - RATE_WINDOW_S)
            if self._first is None:
                return TrafficSnapshot(self._in_flight, self._finished, 0.0)
            span = min(RATE_WINDOW_S, now - self._first)
            rate = len(self._recent) / span if span > 0 else 0.0
            return TrafficSnapshot(self._in_flight, self._finished, rate)

    def _forget_before(self, cutoff: float) -> None:
        while self._recent and self._recent[0] < cutoff:
            self._recent.popleft()
