"""Reading a run's transcript back as typed events.

Lines are read one by one, each at most `MAX_LINE_BYTES` (society.bounded_io), so a damaged
file (a corrupt line, a 100 MB line, binary data) is named by file and line number, never
loaded whole. A killed run's last line may be cut short: that is said, with the command that
repairs it (`society resume`).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from pathlib import Path

from pydantic import ValidationError

from society.bounded_io import UnreadableFile, read_lines
from society.transcript.events import (
    CORE_KINDS,
    Event,
    EventKinds,
    RunStarted,
    kinds_for,
    parse_event,
)
from society.transcript.writer import EVENTS_FILE, TIMINGS_FILE


class TranscriptError(Exception):
    """A run folder or its events file is missing or damaged."""


def events_path(run_dir: Path) -> Path:
    path = Path(run_dir) / EVENTS_FILE
    if not path.is_file():
        raise TranscriptError(f"{run_dir}: no {EVENTS_FILE} here; is this a run folder?")
    return path


def read_events(run_dir: Path) -> Iterator[Event]:
    """The events of a run folder, in order; the first must be `run_started`."""
    path = events_path(run_dir)
    first = True
    known: EventKinds = CORE_KINDS
    for number, line in _lines(path):
        if not line.strip():
            continue
        try:
            event = parse_event(line, known)
        except ValidationError as error:
            raise TranscriptError(_bad_line(path, run_dir, number, line, error)) from None
        if first and not isinstance(event, RunStarted):
            raise TranscriptError(
                f"{path}:{number}: the first event is {event.kind!r}, not 'run_started'; "
                "this is not the start of a society transcript"
            )
        if first:
            # The run's game says which kinds its events are (none named: the commons).
            known = kinds_for(event.scenario.get("game"))  # type: ignore[attr-defined]
        first = False
        yield event


def _lines(path: Path) -> Iterator[tuple[int, bytes]]:
    try:
        yield from read_lines(path, label=str(path))
    except UnreadableFile as error:
        raise TranscriptError(str(error)) from None


def _bad_line(path: Path, run_dir: Path, number: int, line: bytes, error: ValidationError) -> str:
    if not line.endswith(b"\n"):  # the last line, cut short by a kill
        return (
            f"{path}:{number}: the last line is cut short (the run was stopped while "
            f"writing it); society resume {run_dir} repairs it"
        )
    first = error.errors(include_url=False)[0]
    if first["type"] == "json_invalid":
        return f"{path}:{number}: not valid JSON ({first['msg'].removeprefix('Invalid JSON: ')})"
    where = ".".join(str(p) for p in first["loc"])
    return f"{path}:{number}: not a valid event ({where}: {first['msg']})"


def read_timings(run_dir: Path) -> dict[int, float]:
    """Each model call's latency by its event's seq; {} when the run has no timings file."""
    path = Path(run_dir) / TIMINGS_FILE
    if not path.is_file():
        return {}
    timings: dict[int, float] = {}
    for number, line in _lines(path):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            seq, latency = int(record["seq"]), float(record["latency_s"])
        except (ValueError, TypeError, KeyError, IndexError):
            if not line.endswith(b"\n"):
                raise TranscriptError(
                    f"{path}:{number}: the last line is cut short (the run was stopped while "
                    f"writing it); society resume {run_dir} repairs it"
                ) from None
            raise TranscriptError(
                f'{path}:{number}: not a timing record ({{"seq": ..., "latency_s": ...}})'
            ) from None
        if not math.isfinite(latency):
            raise TranscriptError(f"{path}:{number}: latency_s is not a finite number")
        timings[seq] = latency
    return timings
