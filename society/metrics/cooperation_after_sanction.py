"""Cooperation with and without a sanction: the share of cooperative moves by players who
were refused or punished in the round before, minus the share by players who were not (the
deterrent effect of partner choice and punishment; None until both kinds of move occur)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from society.analysis.extra_metrics import Metric
from society.metrics._pairs import cooperate_of, institution_on, moves, sanctioned


def split(events: Sequence[Any]) -> tuple[list[bool], list[bool]]:
    """(cooperated? for moves after a sanction, for moves after none)."""
    cooperate, hit = cooperate_of(events), sanctioned(events)
    after, without = [], []
    for number, player, _, action in moves(events):
        (after if player in hit.get(number - 1, set()) else without).append(action == cooperate)
    return after, without


def cooperation_after_sanction(events: Sequence[Any]) -> float | None:
    after, without = split(events)
    if not after or not without:
        return None
    return round(sum(after) / len(after) - sum(without) / len(without), 6)


METRIC = Metric(
    "cooperation_after_sanction",
    games=("matrix",),
    compute=cooperation_after_sanction,
    description="Cooperation of moves after a sanction (refused or punished the round "
    "before) minus cooperation of moves after none.",
    when=institution_on("partner_choice", "punishment"),
)
