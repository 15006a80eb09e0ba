"""Cooperative moves per member and round: unlike the cooperation rate over moves played, a
member who did not play (refused, unmatched, a bye) counts as not cooperating, so partner
choice cannot raise it merely by leaving defectors out."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from society.analysis.extra_metrics import Metric
from society.metrics._pairs import cooperate_of, institution_on, moves, share


def cooperation_per_member_round(events: Sequence[Any]) -> float | None:
    started = next(e for e in events if e.kind == "run_started")
    cooperate = cooperate_of(events)
    rounds = sum(1 for e in events if e.kind == "matrix_round_finished")
    cooperative = sum(action == cooperate for *_, action in moves(events))
    return share(cooperative, rounds * len(started.agents))


METRIC = Metric(
    "cooperation_per_member_round",
    games=("matrix",),
    compute=cooperation_per_member_round,
    description="Cooperative moves / (members × rounds): not playing counts as not cooperating.",
    when=institution_on("partner_choice", "punishment", "reputation"),
)
