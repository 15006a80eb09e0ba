"""Share of scheduled pairs that did not play because a member refused (partner choice)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from society.analysis.extra_metrics import Metric
from society.metrics._pairs import institution_on, share


def refusal_rate(events: Sequence[Any]) -> float | None:
    rounds = [e for e in events if e.kind == "partners_chosen"]
    scheduled = sum(len(e.scheduled) for e in rounds)
    refused = sum(
        1
        for e in rounds
        for pair in e.scheduled
        if any({r.by, r.target} == set(pair) for r in e.refusals)
    )
    return share(refused, scheduled)


METRIC = Metric(
    "refusal_rate",
    games=("matrix",),
    compute=refusal_rate,
    description="Scheduled pairs refused by a member / scheduled pairs.",
    when=institution_on("partner_choice"),
)
