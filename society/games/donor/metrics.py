"""A donor run's metrics, from its events alone: per generation the paper's headline (mean
final resources) and how the donors behaved; for the run, the first and last generations'."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, Field

from society.analysis.usage import LLMUsage, llm_usage
from society.games.donor.dynamics import generation_metrics
from society.transcript.events import Event


class GenerationMetrics(BaseModel):
    generation: int
    mean_final_resources: float  # mean over the games of the mean final resources [V&H]
    game_means: list[float]
    interactions: int
    donation_fraction: float  # mean share given over all interactions (punish/refuse: 0)
    donated_fraction_when_donating: float
    total_given: float
    punishment_rate: float
    punishment_spent: float
    refusal_rate: float
    failed_decisions: int  # donors with no usable decision (no interaction happened)
    survivors: list[str]


class DonorMetrics(BaseModel):
    run_id: str
    scenario: str
    seed: int
    variant: str
    rounds_limit: int
    rounds_completed: int
    end_reason: str
    generations_completed: int
    # The headline of the first and the last completed generation, and its change.
    first_mean_final_resources: float | None = None
    last_mean_final_resources: float | None = None
    resources_change: float | None = None
    donation_fraction: float = 0.0  # over every completed generation's interactions
    punishment_rate: float = 0.0
    refusal_rate: float = 0.0
    failed_decisions: int = 0
    generations: list[GenerationMetrics] = Field(default_factory=list)
    llm: LLMUsage = Field(default_factory=LLMUsage)


def compute_metrics(events: Sequence[Event]) -> DonorMetrics:
    started = events[0]
    scenario: dict[str, Any] = started.scenario  # type: ignore[attr-defined]
    records: dict[int, list[dict[str, Any]]] = defaultdict(list)
    failed: dict[int, int] = defaultdict(int)
    ended = []
    finished = None
    for event in events:
        kind = event.kind
        if kind == "donation":
            records[event.generation].append(event.model_dump())  # type: ignore[attr-defined]
        elif kind == "donor_round_finished":
            failed[event.generation] += len(event.failed)  # type: ignore[attr-defined]
        elif kind == "generation_ended":
            ended.append(event)
        elif kind == "run_finished":
            finished = event
    generations = []
    for end in ended:
        numbers = generation_metrics(records[end.generation], end.scores)
        numbers["mean_final_resources"] = end.mean_final_resources
        generations.append(
            GenerationMetrics(
                generation=end.generation,
                game_means=end.game_means,
                failed_decisions=failed[end.generation],
                survivors=end.survivors,
                **numbers,
            )
        )
    every = [r for g in generations for r in records[g.generation]]
    overall = behaviour(every)
    first = generations[0].mean_final_resources if generations else None
    last = generations[-1].mean_final_resources if generations else None
    return DonorMetrics(
        run_id=started.run_id,
        scenario=started.scenario_name,  # type: ignore[attr-defined]
        seed=started.seed,  # type: ignore[attr-defined]
        variant=scenario.get("donor", {}).get("variant", "none"),
        rounds_limit=scenario["rounds"],
        rounds_completed=finished.rounds_completed if finished else events[-1].round,
        end_reason=finished.end_reason if finished else "unfinished",
        generations_completed=len(generations),
        first_mean_final_resources=first,
        last_mean_final_resources=last,
        resources_change=None if first is None or last is None else last - first,
        **overall,
        failed_decisions=sum(g.failed_decisions for g in generations),
        generations=generations,
        llm=llm_usage(events),
    )


def behaviour(records: Sequence[dict[str, Any]]) -> dict[str, float]:
    """Shares over interactions: what donors gave (punish/refuse: 0), punished, refused."""
    count = len(records)
    if not count:
        return {"donation_fraction": 0.0, "punishment_rate": 0.0, "refusal_rate": 0.0}
    return {
        "donation_fraction": sum(r["fraction"] for r in records if r["action"] == "donate") / count,
        "punishment_rate": sum(r["action"] == "punish" for r in records) / count,
        "refusal_rate": sum(r["action"] == "refuse" for r in records) / count,
    }


def metrics_rows(metrics: DonorMetrics) -> list[tuple[str, str]]:
    """The table printed after a run: the run's numbers, then each generation's headline."""
    from society.core.presentation import scalar_rows

    rows = scalar_rows(metrics)
    for g in metrics.generations:
        rows.append(
            (
                f"generation {g.generation}",
                f"mean final resources {g.mean_final_resources:.2f}, gave "
                f"{g.donation_fraction:.0%}, punished {g.punishment_rate:.0%}, "
                f"refused {g.refusal_rate:.0%}",
            )
        )
    return rows
