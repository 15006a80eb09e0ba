"""The commons' rows in an experiment's tables: one per run (metrics and governance) and one
per round (stock, harvest against the sustainable level, institutions' activity)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from society.games.commons.dynamics.sustainability import sustainable_threshold
from society.games.commons.events import RoundStarted
from society.games.commons.generation_metrics import flat_columns, generation_metrics
from society.games.commons.institution_metrics import governance_metrics
from society.games.commons.metrics import RunMetrics
from society.games.commons.rounds import round_summaries
from society.games.commons.scenario import Scenario
from society.transcript.events import RunStarted

Row = dict[str, Any]


def experiment_rows(events: Sequence[Any], metrics: RunMetrics) -> tuple[Row, list[Row]]:
    # A run with generations adds generation_<g>_<metric> columns (none otherwise).
    by_generation = flat_columns(generation_metrics(events))
    return {**_run_row(metrics, events), **by_generation}, _round_rows(events)


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
