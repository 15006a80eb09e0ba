"""What each agent is shown: its private observation and the facts of the harvest (each
institution's turns build their facts in its module)."""

from __future__ import annotations

from typing import Any

from society.coordinator.deps import CoordinatorDeps
from society.games.commons import dynamics as commons
from society.games.commons.dynamics.reputation import PRIOR
from society.games.commons.generations import with_lineage
from society.games.commons.institutions import monitoring
from society.games.commons.scenario import Scenario
from society.games.commons.state import SocietyState, alive

REPUTATION_SHOWN = 8  # most telling beliefs shown to an agent; keeps prompts bounded [O]


def observation(
    state: SocietyState,
    agent: str,
    phase: str,
    deps: CoordinatorDeps,
    community_size: int | None = None,
) -> dict[str, Any]:
    """`community_size` (the number of members) may be passed in by a caller that builds
    many agents' views from one state, so that it is counted once, not once per agent."""
    params = deps.scenario.commons
    if community_size is None:
        community_size = len(alive(state))
    record = state["agents"][agent]
    stock = state["stock"]
    # Before its harvest an agent recalls the previous round; afterwards, this round so far.
    news = record["previous_news"] if phase == "harvest" else record["news"]
    if news is not None:
        shown = deps.scenario.institutions.gossip.max_heard_shown
        news = {**news, "heard": news["heard"][:shown], "heard_total": len(news["heard"])}
    lineage = {"lineage": record["lineage"]} if "lineage" in record else {}
    return {
        **lineage,
        "agent": agent,
        "round": state["round"],
        "persona": with_lineage(deps.personas[agent], record.get("lineage")),
        "harvest_mode": params.harvest,
        "resource": params.resource.model_dump(),
        "stock_signal": commons.stock_signal(stock, params.capacity),
        "stock_trend": commons.stock_trend(
            state["previous_stock"], state["round_start_stock"] or stock, params.capacity
        ),
        "exact_stock": stock if params.exact_stock_visible else None,
        "max_amount": int(stock) if params.harvest == "amount" else None,
        "community_size": community_size,
        "last_request": record["last_request"],
        "last_effort": record["last_effort"],
        "last_harvest": record["last_harvest"],
        "last_payoff_change": record["last_payoff_change"],
        "payoff": record["payoff"],
        "norm_text": state["norm"]["text"],
        "norm_limit": state["norm"]["limit"],
        "excluded_rounds_left": max(0, record["excluded_until"] - state["round"] + 1),
        "news": news,
        "reputation": _telling_beliefs(record["reputation"]),
        "agreement": record["agreement"],
        "universalization": _universalization(state, deps, community_size),
        "strategy": record["strategy"],
        "rules": told(deps.scenario),
    }


def _universalization(state: SocietyState, deps: CoordinatorDeps, members: int) -> float | None:
    """GovSim's reminder: the per-member catch above which the resource runs out if everyone
    takes more, ⌊⌊f(t)⌋/N⌋ for integer catches [G]."""
    if not deps.scenario.interventions.universalization:
        return None
    params = deps.scenario.commons
    return commons.universalization_threshold(
        state["round_start_stock"] or state["stock"],
        params,
        members,
        whole_units=params.harvest == "amount",
    )


def told(scenario: Scenario) -> dict[str, Any]:
    """The rules the prompts may state (`view.rules`), from the scenario alone."""
    params, information = scenario.commons, scenario.information
    regrowth = params.regrowth
    return {
        "capacity": params.capacity,
        "regrowth": regrowth.kind,
        "factor": getattr(regrowth, "factor", None),
        "rate": getattr(regrowth, "rate", None),
        "productivity": params.productivity,
        "consumption": params.consumption,
        "starvation": params.starvation,
        "dynamics": information.dynamics,
        "payoff": information.payoff,
        "goal": information.goal,
        "others_actions": information.others_actions,
    }


def _telling_beliefs(reputation: dict[str, float]) -> dict[str, float]:
    ranked = sorted(reputation.items(), key=lambda item: (-abs(item[1] - PRIOR), item[0]))
    return {peer: round(belief, 3) for peer, belief in ranked[:REPUTATION_SHOWN] if belief != PRIOR}


def harvesters(state: SocietyState) -> list[str]:
    """Alive agents not excluded from harvesting this round."""
    return [a for a in alive(state) if state["agents"][a]["excluded_until"] < state["round"]]


def excluded(state: SocietyState) -> list[str]:
    return [a for a in alive(state) if state["agents"][a]["excluded_until"] >= state["round"]]


def harvest_context(state: SocietyState, agent: str, deps: CoordinatorDeps) -> dict[str, Any]:
    return monitoring.harvest_context(state, agent, deps, harvesters(state))
