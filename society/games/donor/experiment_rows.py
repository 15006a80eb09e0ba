"""The donor game's rows in an experiment's tables: one per run (the headline numbers) and
one per generation (its headline and behaviour)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from society.games.donor.metrics import DonorMetrics

Row = dict[str, Any]

# (column, heading, shown as a percentage): the per-cell table of `society experiment`.
CELL_METRICS: tuple[tuple[str, str, bool], ...] = (
    ("first_mean_final_resources", "resources gen 1", False),
    ("last_mean_final_resources", "resources last gen", False),
    ("resources_change", "change", False),
    ("donation_fraction", "donated", True),
    ("punishment_rate", "punishment", True),
    ("refusal_rate", "refusal", True),
    ("tokens", "tokens", False),
    ("cost", "cost", False),
)


def experiment_rows(events: Sequence[Any], metrics: DonorMetrics) -> tuple[Row, list[Row]]:
    m = metrics
    run = {
        "models": "+".join(sorted({a.model for a in events[0].agents})),
        "variant": m.variant,
        "rounds_limit": m.rounds_limit,
        "rounds_completed": m.rounds_completed,
        "end_reason": m.end_reason,
        "generations_completed": m.generations_completed,
        "first_mean_final_resources": m.first_mean_final_resources,
        "last_mean_final_resources": m.last_mean_final_resources,
        "resources_change": m.resources_change,
        "donation_fraction": m.donation_fraction,
        "punishment_rate": m.punishment_rate,
        "refusal_rate": m.refusal_rate,
        "failed_decisions": m.failed_decisions,
        "llm_calls": m.llm.calls,
        "tokens": m.llm.input_tokens + m.llm.output_tokens,
        "cost": m.llm.cost,
    }
    per_generation = [
        {
            "generation": g.generation,
            "mean_final_resources": g.mean_final_resources,
            "donation_fraction": g.donation_fraction,
            "punishment_rate": g.punishment_rate,
            "refusal_rate": g.refusal_rate,
            "interactions": g.interactions,
        }
        for g in m.generations
    ]
    return run, per_generation
