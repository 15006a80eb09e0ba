"""A public-goods run's metrics, from its events alone: per round and for the run, the mean
contribution (and as a share of the endowment), punishment points spent and received,
payoffs and efficiency; each enabled institution's own metrics by its name."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, Field

from society.analysis.usage import LLMUsage, llm_usage
from society.core.institution import enabled_for
from society.games.public_goods.dynamics import efficiency
from society.games.public_goods.scenario import GAME, PublicGoodsScenario
from society.transcript.events import Event

EFFICIENCY_NOTE = (
    "efficiency: (mean payoff − endowment) / ((multiplier − 1) × endowment): 0 when nobody "
    "contributes, 1 when everyone contributes everything; punishment's costs and losses count."
)


class RoundMetrics(BaseModel):
    round: int
    contributors: int
    mean_contribution: float
    contribution_share: float  # of the endowment
    min_contribution: float
    max_contribution: float
    mean_payoff: float  # after punishment
    efficiency: float | None
    punishment_points: int
    punishment_spent: float
    punishment_lost: float
    failed_decisions: int


class PublicGoodsMetrics(BaseModel):
    run_id: str
    scenario: str
    seed: int
    rounds_limit: int
    rounds_completed: int
    end_reason: str
    members: int
    endowment: float
    multiplier: float
    mpcr: float
    punishment: bool  # peer punishment was on
    first_contribution: float | None = None  # the mean of round 1
    last_contribution: float | None = None  # the mean of the last completed round
    contribution_change: float | None = None  # last − first
    mean_contribution: float = 0.0  # over every member-round
    contribution_share: float = 0.0  # mean_contribution / endowment
    first_share: float | None = None
    last_share: float | None = None
    mean_payoff: float = 0.0  # per member and round, after punishment
    efficiency: float | None = None
    punishment_points: int = 0
    punishment_spent: float = 0.0
    punishment_lost: float = 0.0
    failed_decisions: int = 0
    totals: dict[str, float] = Field(default_factory=dict)  # each member's payoff over the run
    rounds: list[RoundMetrics] = Field(default_factory=list)
    institutions: dict[str, dict[str, Any]] = Field(default_factory=dict)
    llm: LLMUsage = Field(default_factory=LLMUsage)


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def compute_metrics(events: Sequence[Event]) -> PublicGoodsMetrics:
    started = events[0]
    scenario = PublicGoodsScenario.model_validate(started.scenario)  # type: ignore[attr-defined]
    settings = scenario.public_goods
    endowment, multiplier = settings.endowment, settings.multiplier
    made = {e.round: e for e in events if e.kind == "contributions"}
    punished = {e.round: e for e in events if e.kind == "punishment"}
    closed = [e for e in events if e.kind == "public_goods_round"]
    finished = next((e for e in reversed(events) if e.kind == "run_finished"), None)
    rounds = []
    for close in closed:
        contributions = list(made[close.round].contributions.values())  # type: ignore[attr-defined]
        punishment = punished.get(close.round)
        mean_payoff = _mean(list(close.payoffs.values()))  # type: ignore[attr-defined]
        mean = _mean(contributions)
        rounds.append(
            RoundMetrics(
                round=close.round,
                contributors=len(contributions),
                mean_contribution=round(mean, 6),
                contribution_share=round(mean / endowment, 6),
                min_contribution=min(contributions, default=0.0),
                max_contribution=max(contributions, default=0.0),
                mean_payoff=round(mean_payoff, 6),
                efficiency=_rounded(efficiency(mean_payoff, endowment, multiplier)),
                **_punishment_numbers(punishment),
                failed_decisions=len(made[close.round].failed)  # type: ignore[attr-defined]
                + (len(punishment.failed) if punishment else 0),  # type: ignore[attr-defined]
            )
        )
    member_rounds = [c for r in (made[e.round] for e in closed) for c in r.contributions.values()]  # type: ignore[attr-defined]
    payoffs = [p for e in closed for p in e.payoffs.values()]  # type: ignore[attr-defined]
    first = rounds[0].mean_contribution if rounds else None
    last = rounds[-1].mean_contribution if rounds else None
    mean_payoff = _mean(payoffs)
    return PublicGoodsMetrics(
        run_id=started.run_id,
        scenario=scenario.name,
        seed=scenario.seed,
        rounds_limit=scenario.rounds,
        rounds_completed=finished.rounds_completed if finished else len(rounds),  # type: ignore[attr-defined]
        end_reason=finished.end_reason if finished else "unfinished",  # type: ignore[attr-defined]
        members=scenario.agent_count,
        endowment=endowment,
        multiplier=multiplier,
        mpcr=round(scenario.mpcr, 6),
        punishment=scenario.institutions.punishment.enabled,
        first_contribution=first,
        last_contribution=last,
        contribution_change=None if first is None or last is None else round(last - first, 6),
        mean_contribution=round(_mean(member_rounds), 6),
        contribution_share=round(_mean(member_rounds) / endowment, 6),
        first_share=rounds[0].contribution_share if rounds else None,
        last_share=rounds[-1].contribution_share if rounds else None,
        mean_payoff=round(mean_payoff, 6),
        efficiency=_rounded(efficiency(mean_payoff, endowment, multiplier)) if rounds else None,
        punishment_points=sum(r.punishment_points for r in rounds),
        punishment_spent=round(sum(r.punishment_spent for r in rounds), 6),
        punishment_lost=round(sum(r.punishment_lost for r in rounds), 6),
        failed_decisions=sum(r.failed_decisions for r in rounds),
        totals=dict(closed[-1].totals) if closed else {},  # type: ignore[attr-defined]
        rounds=rounds,
        institutions={
            institution.name: institution.metrics(events)
            for institution in enabled_for(scenario, GAME)
            if institution.metrics is not None
        },
        llm=llm_usage(events),
    )


def _punishment_numbers(event: Any) -> dict[str, Any]:
    """A round's punishment points, what the punishers spent and the targets lost."""
    if event is None:
        return {"punishment_points": 0, "punishment_spent": 0.0, "punishment_lost": 0.0}
    points = sum(event.received.values())
    return {
        "punishment_points": points,
        "punishment_spent": round(sum(event.spent.values()), 6),
        "punishment_lost": round(event.effect * points, 6),
    }


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


def metrics_rows(metrics: PublicGoodsMetrics) -> list[tuple[str, str]]:
    """The table printed after a run: the run's numbers, then each round's."""
    from society.core.presentation import scalar_rows

    rows = [(n, v) for n, v in scalar_rows(metrics) if not n.startswith("totals")]
    for r in metrics.rounds:
        punished = (
            f", punishment {r.punishment_points} pts (spent {r.punishment_spent:g}, lost "
            f"{r.punishment_lost:g})"
            if metrics.punishment
            else ""
        )
        rows.append(
            (
                f"round {r.round}",
                f"contribution {r.mean_contribution:.2f} ({r.contribution_share:.0%}), payoff "
                f"{r.mean_payoff:.2f}{punished}",
            )
        )
    return rows
