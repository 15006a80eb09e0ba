"""A run's metrics file and the game-independent way to compute it: the run's game (named in
its run_started event) computes its metrics from the events alone."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from society.transcript.events import Event, RunStarted

METRICS_FILE = "metrics.json"


class MetricsError(Exception):
    """The events do not describe a run (e.g. no run_started event)."""


def compute_run_metrics(events: Sequence[Event]) -> Any:
    """The metrics of the run these events describe, as its game defines them."""
    from society.core.registry import game_named

    started = next((e for e in events if isinstance(e, RunStarted)), None)
    if started is None:
        raise MetricsError("no run_started event: not a run transcript")
    return game_named(started.scenario.get("game")).compute_metrics(events)


def run_metrics_document(events: Sequence[Event]) -> tuple[Any, dict[str, Any]]:
    """The game's metrics and the registered extra metrics (society.analysis.extra_metrics)
    of the run these events describe: what metrics.json holds."""
    from society.analysis.extra_metrics import extra_metrics

    metrics = compute_run_metrics(events)
    started = next(e for e in events if isinstance(e, RunStarted))
    return metrics, extra_metrics(started.scenario.get("game", "commons"), events)


def metrics_json(metrics: BaseModel, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    data = metrics.model_dump(mode="json")
    if extra:
        data["extra"] = extra
    return data


def split_metrics(data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """metrics.json as (the game's metrics, the extra metrics)."""
    rest = dict(data)
    return rest, rest.pop("extra", None) or {}


def write_metrics(run_dir: Path, metrics: BaseModel, extra: dict[str, Any] | None = None) -> Path:
    """Written whole or not at all (a kill mid-write must not leave an empty file that marks
    the run as finished)."""
    path = Path(run_dir) / METRICS_FILE
    partial = path.with_name(f".{METRICS_FILE}.partial")
    text = json.dumps(metrics_json(metrics, extra), indent=2) + "\n"
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)
    return path
