"""Per-run and per-round rows of an experiment, read back from its finished run folders, and
their export as CSV and Parquet.

Everything is recomputed from each run's events and metrics.json, so the tables of an
experiment whose runs were made by several invocations (or machines) are the same.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from society.experiments.jobs import Job, is_finished
from society.games.commons.dynamics.sustainability import sustainable_threshold
from society.games.commons.events import RoundStarted
from society.games.commons.institution_metrics import governance_metrics
from society.games.commons.metrics import METRICS_FILE, RunMetrics
from society.games.commons.rounds import round_summaries
from society.scenario.schema import Scenario
from society.transcript.events import RunStarted
from society.transcript.reader import read_events

Row = dict[str, Any]


@dataclass(frozen=True)
class ExperimentData:
    factors: list[str]
    runs: list[Row]  # one per finished run, in grid order then seed
    rounds: list[Row]  # one per run and round played


def collect(jobs: Sequence[Job], factors: list[str]) -> ExperimentData:
    runs, rounds = [], []
    for job in jobs:
        if not is_finished(job.run_dir):
            continue
        metrics = RunMetrics.model_validate_json((job.run_dir / METRICS_FILE).read_text())
        events = list(read_events(job.run_dir))
        keys = {"cell": job.cell, **job.levels, "seed": job.seed, "run_id": job.run_id}
        runs.append({**keys, **_run_row(metrics, events)})
        rounds.extend({**keys, **row} for row in _round_rows(events))
    return ExperimentData(factors, runs, rounds)


def _models(events: Sequence[Any]) -> str:
    started = next(e for e in events if isinstance(e, RunStarted))
    return "+".join(sorted({a.model for a in started.agents}))


def _run_row(m: RunMetrics, events: Sequence[Any]) -> Row:
    g = m.governance
    return {
        "models": _models(events),
        "rounds_limit": m.rounds_limit,
        "rounds_completed": m.rounds_completed,
        "end_reason": m.end_reason,
        "survival_time": m.survival_time,
        "survived": float(m.survived),
        "final_stock": m.final_stock,
        "gain_total": m.gain_total,
        "gain_per_agent": m.gain_total / len(m.gain_per_agent) if m.gain_per_agent else 0.0,
        "efficiency": m.efficiency,
        "equality": m.equality,
        "over_usage": m.over_usage,
        "cooperation_rate": g.cooperation_rate,
        "monitoring_rate": g.monitoring_rate,
        "punishment_rate": g.punishment_rate,
        "sanctions": g.sanctions,
        "copies": g.copies,
        "norm_similarity": g.norm_similarity,
        "llm_calls": m.llm.calls,
        "input_tokens": m.llm.input_tokens,
        "output_tokens": m.llm.output_tokens,
        "tokens": m.llm.input_tokens + m.llm.output_tokens,
        "cost": m.llm.cost,
        "failed_decisions": m.llm.failed_decisions,
    }


def _round_rows(events: Sequence[Any]) -> list[Row]:
    started = next(e for e in events if isinstance(e, RunStarted))
    params = Scenario.model_validate(started.scenario).commons
    # norm_similarity_by_round follows the rounds that started, in order.
    started_rounds = sorted({e.round for e in events if isinstance(e, RoundStarted)})
    similarity = dict(
        zip(started_rounds, governance_metrics(events).norm_similarity_by_round, strict=True)
    )
    rows = []
    for s in round_summaries(events):
        if s.alive == 0 and s.stock_end is None:
            continue  # a round that never started (nothing but stray events)
        sustainable = sustainable_threshold(s.stock_start, params)
        rows.append(
            {
                "round": s.round,
                "stock_start": s.stock_start,
                "stock_end": s.stock_end,
                "alive": s.alive,
                "harvest": s.harvest_total,
                "sustainable_harvest": sustainable,
                "harvest_vs_sustainable": s.harvest_total / sustainable if sustainable else None,
                "norm_limit": s.norm_limit,
                "norm_similarity": similarity.get(s.round),
                "inspections": s.inspections,
                "violations_seen": s.violations_seen,
                "sanctions": s.sanctions,
                "copies": s.copies,
                "messages": s.messages,
                "end_reason": s.end_reason,
            }
        )
    return rows


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
