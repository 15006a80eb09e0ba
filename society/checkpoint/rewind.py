"""Cutting a run's transcript back to its last completed round before resuming it.

Everything after the round's mark is the unfinished round (and possibly a line cut short by
the kill): it is moved to `events.discarded.jsonl`, never silently dropped, and the resumed
round writes its events again with the same `seq`s, so nothing is duplicated.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from society.checkpoint.rounds import RoundMark
from society.transcript.writer import EVENTS_FILE, TIMINGS_FILE

DISCARDED_FILE = "events.discarded.jsonl"


class TranscriptMismatch(Exception):
    """events.jsonl does not hold what the checkpoint says it should."""


@dataclass(frozen=True)
class Rewind:
    discarded_events: int  # complete lines of the unfinished round
    cut_line: bool  # the last line was cut short (killed while writing it)


def rewind_transcript(run_dir: Path, mark: RoundMark) -> Rewind:
    events, timings = run_dir / EVENTS_FILE, run_dir / TIMINGS_FILE
    size = events.stat().st_size
    if size < mark.events_bytes:
        raise TranscriptMismatch(
            f"{events} has {size} bytes, but round {mark.round} ended at byte "
            f"{mark.events_bytes}: the file was cut or replaced after the checkpoint"
        )
    _check_last_event(events, mark)
    with events.open("rb") as handle:
        handle.seek(mark.events_bytes)
        tail = handle.read()
    lines = tail.split(b"\n")
    rewind = Rewind(discarded_events=len(lines) - 1, cut_line=bool(lines[-1]))
    if tail:
        with (run_dir / DISCARDED_FILE).open("ab") as kept:
            kept.write(tail if tail.endswith(b"\n") else tail + b"\n")
            kept.flush()
            os.fsync(kept.fileno())
    os.truncate(events, mark.events_bytes)
    if timings.exists() and timings.stat().st_size > mark.timings_bytes:
        os.truncate(timings, mark.timings_bytes)
    return rewind


def _check_last_event(events: Path, mark: RoundMark) -> None:
    """The last line before the cut must be the event the mark follows: run_started for
    round 0, else the last event of that round (whichever kind its game closes rounds with)."""
    start = max(0, mark.events_bytes - 8_000_000)
    with events.open("rb") as handle:
        handle.seek(start)
        head = handle.read(mark.events_bytes - start)
    last = head.rstrip(b"\n").rsplit(b"\n", 1)[-1]
    expected = "run_started" if mark.round == 0 else f"round {mark.round}"
    try:
        event = json.loads(last)
        ok = event.get("seq") == mark.seq - 1 and (
            event.get("kind") == "run_started"
            if mark.round == 0
            else event.get("round") == mark.round and event.get("kind") != "run_started"
        )
    except ValueError:
        ok = False
    if not head.endswith(b"\n") or not ok:
        raise TranscriptMismatch(
            f"{events}: the checkpoint of round {mark.round} expects an event of {expected} with "
            f"seq {mark.seq - 1} at byte {mark.events_bytes}; the file was changed after it"
        )
