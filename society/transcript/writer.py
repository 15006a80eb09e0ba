"""Append-only JSONL transcript, flushed per event so a killed run keeps what it wrote."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from society.transcript.events import CORE_KINDS, Event, parse_event

EVENTS_FILE = "events.jsonl"
TIMINGS_FILE = "timings.jsonl"


class TranscriptWriter:
    """Numbers events (`seq`), stamps `run_id`, validates and appends them. Timings (wall-clock)
    go to a sidecar keyed by `seq` so the event log itself stays reproducible. A resumed run
    reopens the files (cut back to its last completed round) and goes on from `seq`.
    `durable`: `sync` also forces the bytes to the disk (fdatasync), so a checkpoint survives a
    machine crash, not only a killed process; it costs a disk flush per round."""

    def __init__(self, run_dir: Path, run_id: str, *, seq: int = 0, durable: bool = True) -> None:
        self.run_dir = run_dir
        self.durable = durable
        self.run_id = run_id
        self._seq = seq
        # Binary appends: `tell()` is then the exact byte length a checkpoint records.
        self._events: IO[bytes] = (run_dir / EVENTS_FILE).open("ab")
        self._timings: IO[bytes] = (run_dir / TIMINGS_FILE).open("ab")
        self._captures: list[list[Event]] = []

    @property
    def next_seq(self) -> int:
        return self._seq

    def write(
        self,
        event: Event | dict[str, Any],
        latency_s: float | None = None,
        server: str | None = None,
    ) -> Event:
        if isinstance(event, Event):
            stamped = event.model_copy(update={"run_id": self.run_id, "seq": self._seq})
        else:
            # Plain payloads come from agent turns: the core's kinds (a game writes its own
            # kinds as typed events).
            stamped = parse_event({**event, "run_id": self.run_id, "seq": self._seq}, CORE_KINDS)
        self._events.write((stamped.model_dump_json() + "\n").encode("utf-8"))
        self._events.flush()
        if latency_s is not None:
            timing: dict[str, Any] = {"seq": self._seq, "latency_s": round(latency_s, 6)}
            if server is not None:
                timing["server"] = server  # which replica answered (never in events.jsonl)
            self._timings.write((json.dumps(timing) + "\n").encode("utf-8"))
            self._timings.flush()
        self._seq += 1
        for captured in self._captures:
            captured.append(stamped)
        return stamped

    @contextmanager
    def capture(self) -> Iterator[list[Event]]:
        """Collect the stamped events (with their `seq`) written inside the `with` block."""
        captured: list[Event] = []
        self._captures.append(captured)
        try:
            yield captured
        finally:
            self._captures.remove(captured)

    def position(self) -> tuple[int, int]:
        """Bytes written so far to events.jsonl and timings.jsonl (both flushed)."""
        return self._events.tell(), self._timings.tell()

    def sync(self) -> None:
        """Make what was written survive a killed process, and with `durable` a machine crash
        (called before a checkpoint points at it)."""
        for stream in (self._events, self._timings):
            stream.flush()
            if self.durable:
                sync = os.fdatasync if hasattr(os, "fdatasync") else os.fsync
                sync(stream.fileno())

    def close(self) -> None:
        self._events.close()
        self._timings.close()

    def __enter__(self) -> TranscriptWriter:
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.close()
