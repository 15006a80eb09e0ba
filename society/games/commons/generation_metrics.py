"""Per-generation metrics of a commons run with generations, from its events alone: for each
generation that started, its total harvest, its over-usage (share of its agent-rounds above
the per-member sustainable share f(t)/alive, as the run's over_usage), the stock at its first
round and its survival (rounds it completed with the commons alive; `survived`: it reached its
last round, or the run's, without the commons collapsing and with a member still alive)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from society.games.commons import dynamics as commons
from society.games.commons.dynamics.ending import EndReason
from society.games.commons.events import HarvestResolved, RoundFinished, RoundStarted
from society.games.commons.scenario import Scenario
from society.transcript.events import RunStarted

FIELDS = ("harvest", "over_usage", "stock_start", "survival", "survived")


def generation_metrics(events: Sequence[Any]) -> list[dict[str, Any]] | None:
    """One dict per generation that started, in order; None for a run without generations."""
    started = next((e for e in events if isinstance(e, RunStarted)), None)
    if started is None:
        return None
    scenario = Scenario.model_validate(started.scenario)
    settings = scenario.generations
    if settings is None:
        return None
    params = scenario.commons
    alive_at = {e.round: len(e.alive) for e in events if isinstance(e, RoundStarted)}
    stock_at = {e.round: e.stock for e in events if isinstance(e, RoundStarted)}
    finished = {e.round: e for e in events if isinstance(e, RoundFinished)}
    collapsed_in = next(
        (
            e.round
            for e in events
            if isinstance(e, RoundFinished) and e.end_reason == EndReason.COLLAPSED.value
        ),
        None,
    )
    rows: list[dict[str, Any]] = []
    length = settings.rounds_per_generation
    for number in range(1, settings.total(scenario.rounds) + 1):
        first = (number - 1) * length + 1
        if first not in stock_at:
            break
        last = min(number * length, scenario.rounds)
        harvest, over, agent_rounds = 0.0, 0, 0
        for event in events:
            if isinstance(event, HarvestResolved) and first <= event.round <= last:
                share = commons.sustainable_share(
                    event.stock_before, params, alive_at.get(event.round, 0)
                )
                for amount in event.harvested.values():
                    harvest += amount
                    agent_rounds += 1
                    over += amount > share + 1e-9
        completed = [r for r in range(first, last + 1) if r in finished]
        alive_rounds = [r for r in completed if collapsed_in is None or r < collapsed_in]
        # It lived to its last round, and someone of it was still alive then.
        reached = bool(completed) and completed[-1] == last and bool(finished[last].alive)
        rows.append(
            {
                "generation": number,
                "first_round": first,
                "harvest": harvest,
                "over_usage": over / agent_rounds if agent_rounds else 0.0,
                "stock_start": stock_at[first],
                "survival": len(alive_rounds),
                "survived": reached and (collapsed_in is None or collapsed_in > last),
            }
        )
    return rows


def flat_columns(rows: list[dict[str, Any]] | None) -> dict[str, Any]:
    """generation_<g>_<field> columns for the experiment's per-run table."""
    if not rows:
        return {}
    return {
        f"generation_{row['generation']}_{name}": float(row[name]) for row in rows for name in FIELDS
    }


def _metric() -> Any:
    from society.analysis.extra_metrics import Metric

    return Metric(
        "generations",
        ("commons",),
        generation_metrics,
        "Per generation: harvest, over_usage, stock_start, survival (rounds), survived.",
    )


# The metric entry (registered in pyproject.toml's `society.metrics` group, one line, as any
# package registers one); a run without `generations:` has none (None: left out).
METRIC = _metric()
