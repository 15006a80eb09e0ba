"""Shared reading for the paired-game institution metrics: whether an institution is on in a
run (its run_started scenario), and the run's moves with who was sanctioned when."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any


def institution_on(*names: str) -> Callable[[Sequence[Any]], bool]:
    """A `Metric.when`: any of `names` is enabled in the run's scenario."""

    def on(events: Sequence[Any]) -> bool:
        started = next((e for e in events if e.kind == "run_started"), None)
        if started is None:
            return False
        sections = started.scenario.get("institutions") or {}
        return any((sections.get(name) or {}).get("enabled") for name in names)

    return on


def cooperate_of(events: Sequence[Any]) -> str | None:
    started = next(e for e in events if e.kind == "run_started")
    return (started.scenario.get("matrix") or {}).get("cooperate")


def moves(events: Sequence[Any]) -> list[tuple[int, str, str, str]]:
    """(round, player, partner, action) of every move played."""
    found = []
    for e in events:
        if e.kind == "pair_played":
            found.append((e.round, e.row, e.column, e.row_action))
            found.append((e.round, e.column, e.row, e.column_action))
    return found


def sanctioned(events: Sequence[Any]) -> dict[int, set[str]]:
    """Round -> the players refused by a partner or punished in it."""
    found: dict[int, set[str]] = {}
    for e in events:
        if e.kind == "partners_chosen":
            found.setdefault(e.round, set()).update(r.target for r in e.refusals)
        elif e.kind == "punishment":
            found.setdefault(e.round, set()).update(e.received)
    return found


def share(hits: int, n: int) -> float | None:
    return round(hits / n, 6) if n else None
