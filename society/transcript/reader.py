"""Reading a run's transcript back as typed events."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from pydantic import ValidationError

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
    path = events_path(run_dir)
    known: EventKinds = CORE_KINDS
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                event = parse_event(line, known)
                if isinstance(event, RunStarted):
                    # The run's game says which kinds its events are (none named: the commons).
                    known = kinds_for(event.scenario.get("game"))
                yield event
            except ValidationError as error:
                if not line.endswith("\n"):  # the last line, cut short by a kill
                    raise TranscriptError(
                        f"{path}:{number}: the last line is cut short (the run was stopped "
                        f"while writing it); society resume {run_dir} repairs it"
                    ) from None
                first = error.errors(include_url=False)[0]
                where = ".".join(str(p) for p in first["loc"])
                raise TranscriptError(
                    f"{path}:{number}: not a valid event ({where}: {first['msg']})"
                ) from None


def read_timings(run_dir: Path) -> dict[int, float]:
    path = Path(run_dir) / TIMINGS_FILE
    if not path.is_file():
        return {}
    timings: dict[int, float] = {}
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                record = json.loads(line)
                timings[int(record["seq"])] = float(record["latency_s"])
    return timings
