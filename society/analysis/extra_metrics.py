"""Metrics beyond a game's own, as registry entries: a metric is one `Metric` (a name, the
games it applies to, and a function of the run's events), registered by a module of
`society.metrics`, in code (`METRICS.register`), or through the `society.metrics` entry-point
group. A run's metrics.json holds them under `extra` (left out when none applies, so the
files of runs without them are unchanged), and the experiment tables get a column each."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from society.core.registry import Registry


@dataclass(frozen=True)
class Metric:
    name: str
    games: tuple[str, ...]  # the games whose runs it is computed for ("*": every game)
    compute: Callable[[Sequence[Any]], Any]  # events -> a JSON value (a number, mostly)
    description: str = ""
    # events -> whether the run has what it measures (e.g. an institution on); None: always.
    # A metric that does not apply to a run is left out of its file.
    when: Callable[[Sequence[Any]], bool] | None = None

    def applies_to(self, game: str) -> bool:
        return "*" in self.games or game in self.games


METRICS: Registry[Metric] = Registry("metric", "society.metrics", "METRIC", "society.metrics")


def extra_metrics(game: str, events: Sequence[Any]) -> dict[str, Any]:
    """Every registered metric that applies to `game`, computed from the run's events. A
    metric that returns None does not apply to this run (e.g. per-generation figures of a run
    without generations) and is left out."""
    found = {
        name: metric.compute(events)
        for name, metric in sorted(METRICS.all().items())
        if metric.applies_to(game) and (metric.when is None or metric.when(events))
    }
    return {name: value for name, value in found.items() if value is not None}
