"""Resolving a round: the contributions and the project's pot, then (after any punishment)
the round's payoffs, the totals, rule agents' floors and the run's end."""

from __future__ import annotations

from typing import Any

from society.core.ending import INTERRUPTED
from society.games.public_goods.dynamics import next_floor, others_mean, stage_payoffs
from society.games.public_goods.events import ContributionsMade, PublicGoodsRoundFinished
from society.games.public_goods.hook import applied
from society.games.public_goods.state import HISTORY_KEPT, PublicGoodsState, round_record

ROUND_LIMIT = "round_limit"


def resolve_contributions(state: PublicGoodsState, deps: Any) -> dict[str, Any]:
    """A member without a usable decision (recorded as decision_failed) sits the round out:
    it contributes nothing, gets no share and keeps its endowment; the pot is shared by the
    members who contributed."""
    from society.coordinator.deps import decided
    from society.core.state import alive

    outcomes = state["outcomes"]
    if stop := deps.write_outcomes(outcomes):
        return {"end_reason": stop}
    settings = deps.scenario.public_goods
    contributions = {a: d["contribution"] for a, d in decided(outcomes).items()}
    failed = [a for a in alive(state) if a not in contributions]
    pot, share, payoffs = stage_payoffs(contributions, settings.endowment, settings.multiplier)
    for agent in failed:
        payoffs[agent] = settings.endowment
    payoffs = dict(sorted(payoffs.items()))
    deps.writer.write(
        ContributionsMade(
            round=state["round"],
            contributions=contributions,
            total=sum(contributions.values()),
            pot=pot,
            share=share,
            stage_payoffs=payoffs,
            failed=failed,
        )
    )
    return {"contributions": contributions, "failed": failed, "stage_payoffs": payoffs}


def close_round(state: PublicGoodsState, deps: Any) -> dict[str, Any]:
    if state["end_reason"] in INTERRUPTED:
        return {}  # the round is cut short: its partial results are discarded
    scenario, number = deps.scenario, state["round"]
    sanctions = state["sanctions"]
    payoffs = {
        a: round(p + applied(sanctions, a), 6) for a, p in sorted(state["stage_payoffs"].items())
    }
    totals = {a: round(state["payoffs"][a] + payoffs.get(a, 0.0), 6) for a in state["payoffs"]}
    agents = {a: dict(r) for a, r in state["agents"].items()}
    contributions = state["contributions"]
    for agent, contribution in contributions.items():
        rule = scenario.persona(agents[agent]["persona"]).contribution.model_dump()
        agents[agent]["floor"] = next_floor(
            floor=agents[agent]["floor"],
            contribution=contribution,
            others=others_mean(contributions, agent),
            lost=sanctions.get(agent, {}).get("lost", 0.0),
            mpcr=scenario.mpcr,
            rule=rule,
        )
    end = ROUND_LIMIT if number >= scenario.rounds else None
    mean = sum(contributions.values()) / len(contributions) if contributions else 0.0
    deps.writer.write(
        PublicGoodsRoundFinished(
            round=number,
            payoffs=payoffs,
            totals=totals,
            mean_contribution=round(mean, 6),
            end_reason=end,
        )
    )
    history = [*state["history"], round_record(state, payoffs)][-HISTORY_KEPT:]
    return {
        "agents": agents,
        "payoffs": totals,
        "history": history,
        "end_reason": end,
    }
