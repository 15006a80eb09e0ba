"""A run's transcript as the plain data the HTML report draws, built by the run's game
(`Game.report_data`): `core` is drawn at once; `provenance[round]` only when a decision of
that round opens."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from society.analysis.metrics_file import METRICS_FILE
from society.bounded_io import MAX_RUN_JSON_BYTES, UnreadableFile, load_json
from society.core.presentation import RunData
from society.transcript.events import RunStarted
from society.transcript.reader import TranscriptError, read_events, read_timings

__all__ = ["RunData", "load_run"]


def load_run(run_dir: Path) -> RunData:
    """Read a run folder; a missing or damaged transcript raises TranscriptError."""
    from society.core.registry import game_named

    events = list(read_events(run_dir))
    if not events or not isinstance(events[0], RunStarted):
        raise TranscriptError(f"{run_dir}: events.jsonl does not start with run_started")
    game = game_named(events[0].scenario.get("game"))
    return game.report_data(events, read_timings(run_dir), _read_metrics(run_dir))


def _read_metrics(run_dir: Path) -> dict[str, Any] | None:
    path = Path(run_dir) / METRICS_FILE
    if not path.is_file():
        return None
    try:
        data = load_json(path, label=str(path), limit=MAX_RUN_JSON_BYTES)
    except UnreadableFile as error:
        raise TranscriptError(str(error)) from None
    if not isinstance(data, dict):
        raise TranscriptError(f"{path}: expected a JSON object")
    return data
