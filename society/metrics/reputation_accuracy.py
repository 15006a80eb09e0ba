"""How well reputation predicted: the share of moves that the partner's belief before the
round (at least one half: it expected cooperation) predicted right."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from society.analysis.extra_metrics import Metric
from society.metrics._pairs import cooperate_of, institution_on, moves, share


def reputation_accuracy(events: Sequence[Any]) -> float | None:
    from society.institutions.reputation import belief, beliefs_by_round

    started = next(e for e in events if e.kind == "run_started")
    prior = started.scenario["institutions"]["reputation"].get("prior", 0.5)
    cooperate, by_round = cooperate_of(events), beliefs_by_round(events)
    hits = total = 0
    for number, player, partner, action in moves(events):
        before = by_round.get(number - 1, {})
        expected = belief(before, partner, player, prior) >= 0.5
        hits += expected == (action == cooperate)
        total += 1
    return share(hits, total)


METRIC = Metric(
    "reputation_accuracy",
    games=("matrix",),
    compute=reputation_accuracy,
    description="Share of moves the partner's belief beforehand predicted (≥ 0.5: cooperate).",
    when=institution_on("reputation"),
)
