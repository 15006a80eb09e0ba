"""Share of moves played after which the player's partner punished it (peer punishment in a
paired game)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from society.analysis.extra_metrics import Metric
from society.metrics._pairs import institution_on, moves, share


def punishment_rate(events: Sequence[Any]) -> float | None:
    punished = sum(len(e.assignments) for e in events if e.kind == "punishment")
    return share(punished, len(moves(events)))


METRIC = Metric(
    "punishment_rate",
    games=("matrix",),
    compute=punishment_rate,
    description="Punishments (punisher → partner) / moves played.",
    when=institution_on("punishment"),
)
