"""Per-run and per-round rows of an experiment, read back from its finished run folders, and
their export as CSV and Parquet.

Everything is recomputed from each run's events and metrics.json, so the tables of an
experiment whose runs were made by several invocations (or machines) are the same.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from society.analysis.metrics_file import METRICS_FILE, split_metrics
from society.core.registry import game_named
from society.experiments.jobs import Job, is_finished
from society.transcript.reader import read_events

Row = dict[str, Any]


@dataclass(frozen=True)
class ExperimentData:
    factors: list[str]
    runs: list[Row]  # one per finished run, in grid order then seed
    rounds: list[Row]  # one per run and round played
    # one per run and (label, opponent) of a pairwise game (Game.experiment_pairs)
    pairs: list[Row] = field(default_factory=list)


def collect(jobs: Sequence[Job], factors: list[str]) -> ExperimentData:
    runs, rounds, pairs = [], [], []
    for job in jobs:
        if not is_finished(job.run_dir):
            continue
        events = list(read_events(job.run_dir))
        game = game_named(events[0].scenario.get("game"))
        document = json.loads((job.run_dir / METRICS_FILE).read_text(encoding="utf-8"))
        own, extra = split_metrics(document)
        metrics = game.metrics_type.model_validate(own)
        keys = {"cell": job.cell, **job.levels, "seed": job.seed, "run_id": job.run_id}
        run_row, round_rows = game.experiment_rows(events, metrics)
        runs.append({**keys, **run_row, **{f"extra.{k}": v for k, v in extra.items()}})
        rounds.extend({**keys, **row} for row in round_rows)
        pairs.extend({**keys, **row} for row in game.experiment_pairs(events, metrics))
    return ExperimentData(factors, runs, rounds, pairs)


def write_table(rows: Sequence[Row], stem: Path, parquet: bool = True) -> list[Path]:
    """`stem`.csv, and `stem`.parquet unless asked not to; returns the files written."""
    stem.parent.mkdir(parents=True, exist_ok=True)
    columns = list(dict.fromkeys(k for row in rows for k in row))
    written = [stem.with_suffix(".csv")]
    with written[0].open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        for row in rows:
            writer.writerow({k: _csv_value(row.get(k)) for k in columns})
    if parquet:
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.Table.from_pylist([{k: row.get(k) for k in columns} for row in rows])
        pq.write_table(table, stem.with_suffix(".parquet"))
        written.append(stem.with_suffix(".parquet"))
    return written


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return json.dumps(value)
    return value
