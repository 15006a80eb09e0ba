"""The public-goods game's rows in an experiment's tables: one per run (the finding's
numbers) and one per round (contributions and punishment)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from society.games.public_goods.metrics import PublicGoodsMetrics

Row = dict[str, Any]

# (column, heading, shown as a percentage): the per-cell table of `society experiment`.
CELL_METRICS: tuple[tuple[str, str, bool], ...] = (
    ("first_contribution", "round 1", False),
    ("last_contribution", "last round", False),
    ("contribution_change", "last − first", False),
    ("contribution_share", "share of endowment", True),
    ("efficiency", "efficiency", True),
    ("punishment_points", "punishment points", False),
    ("tokens", "tokens", False),
)


def experiment_rows(events: Sequence[Any], metrics: PublicGoodsMetrics) -> tuple[Row, list[Row]]:
    m = metrics
    run = {
        "models": "+".join(sorted({a.model for a in events[0].agents})),
        "members": m.members,
        "punishment_on": m.punishment,
        "rounds_limit": m.rounds_limit,
        "rounds_completed": m.rounds_completed,
        "end_reason": m.end_reason,
        "first_contribution": m.first_contribution,
        "last_contribution": m.last_contribution,
        "contribution_change": m.contribution_change,
        "mean_contribution": m.mean_contribution,
        "contribution_share": m.contribution_share,
        "mean_payoff": m.mean_payoff,
        "efficiency": m.efficiency,
        "punishment_points": m.punishment_points,
        "punishment_spent": m.punishment_spent,
        "failed_decisions": m.failed_decisions,
        "llm_calls": m.llm.calls,
        "tokens": m.llm.input_tokens + m.llm.output_tokens,
        "cost": m.llm.cost,
    }
    per_round = [
        {
            "round": r.round,
            "mean_contribution": r.mean_contribution,
            "contribution_share": r.contribution_share,
            "mean_payoff": r.mean_payoff,
            "efficiency": r.efficiency,
            "punishment_points": r.punishment_points,
        }
        for r in m.rounds
    ]
    return run, per_round
