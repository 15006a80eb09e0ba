"""The matrix game's rows in an experiment's tables: one per run, one per round, and its
round-robin rows (label against label, society.analysis.pairwise)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from society.games.matrix.metrics import MatrixMetrics

Row = dict[str, Any]

# (column, heading, shown as a percentage): the per-cell table of `society experiment`.
CELL_METRICS: tuple[tuple[str, str, bool], ...] = (
    ("mean_payoff", "payoff/round", False),
    ("cooperation_rate", "cooperation", True),
    ("mutual_cooperation_rate", "mutual coop.", True),
    ("mutual_defection_rate", "mutual defect.", True),
    ("coordination_rate", "coordination", True),
    ("sucker_rate", "sucker", True),
    ("failed_decisions", "failed", False),
    ("tokens", "tokens", False),
)
# The round-robin tables (label against label): payoff per round, then the measures.
PAIR_COLUMNS: tuple[tuple[str, str, bool], ...] = (
    ("payoff", "payoff per round", False),
    ("cooperated", "cooperation", True),
    ("mutual_cooperation", "mutual cooperation", True),
    ("suckered", "got the sucker's payoff", True),
    ("exploited", "gave the sucker's payoff", True),
    ("coordinated", "coordination", True),
)


def experiment_rows(events: Sequence[Any], metrics: MatrixMetrics) -> tuple[Row, list[Row]]:
    m = metrics
    run = {
        "models": "+".join(sorted({a.model for a in events[0].agents})),
        "pairing": m.pairing,
        "rounds_limit": m.rounds_limit,
        "rounds_completed": m.rounds_completed,
        "end_reason": m.end_reason,
        "plays": m.plays,
        "void_plays": m.void_plays,
        "mean_payoff": m.mean_payoff,
        "cooperation_rate": m.cooperation_rate,
        "mutual_cooperation_rate": m.mutual_cooperation_rate,
        "mutual_defection_rate": m.mutual_defection_rate,
        "coordination_rate": m.coordination_rate,
        "sucker_rate": m.sucker_rate,
        "failed_decisions": m.failed_decisions,
        "llm_calls": m.llm.calls,
        "tokens": m.llm.input_tokens + m.llm.output_tokens,
        "cost": m.llm.cost,
    }
    for s in m.strategies:
        run[f"payoff.{s.label}"] = s.mean_payoff
    per_round = [
        {
            "round": r.round,
            "plays": r.plays,
            "void": r.void,
            "mean_payoff": r.mean_payoff,
            "cooperation_rate": r.cooperation_rate,
            "mutual_cooperation": r.mutual_cooperation,
            "coordination": r.coordination,
        }
        for r in m.rounds
    ]
    return run, per_round
