"""Resolve the harvest phase: the commons shares out the stock; monitors learn what peers took."""

from __future__ import annotations

from typing import Any

from society.coordinator.deps import CoordinatorDeps, decided
from society.core.rng import derive_rng
from society.games.commons import dynamics as commons
from society.games.commons.dynamics.ending import EndReason
from society.games.commons.events import HarvestResolved
from society.games.commons.institutions import monitoring
from society.games.commons.state import SocietyState, copy_agents
from society.games.commons.views import excluded


def resolve_harvest(state: SocietyState, deps: CoordinatorDeps) -> dict[str, Any]:
    scenario, writer = deps.scenario, deps.writer
    params = scenario.commons
    number, outcomes = state["round"], state["outcomes"]
    if stop := deps.write_outcomes(outcomes):
        return {"end_reason": stop}

    choices = decided(outcomes)
    skipped = sorted(agent for agent, o in outcomes.items() if o["decision"] is None)
    if params.harvest == "effort":
        efforts = {agent: choice["effort"] for agent, choice in choices.items()}
        result = commons.resolve_effort(state["stock"], efforts, params.productivity)
    else:
        asks = {agent: choice["amount"] for agent, choice in choices.items()}
        result = commons.resolve_amounts(
            state["stock"], asks, derive_rng(scenario.seed, number, "ration")
        )
    writer.write(
        HarvestResolved(
            round=number,
            stock_before=result.stock_before,
            stock_after=result.stock_after,
            requested=result.requested,
            harvested=result.harvested,
            rationed=result.rationed,
            skipped=skipped,
            excluded=excluded(state),
        )
    )
    agents = copy_agents(state)
    for agent, amount in result.harvested.items():
        record = agents[agent]
        record["payoff"] += amount
        record["news"]["harvest"] = amount
        record["news"]["norm_limit"] = state["norm"]["limit"]
        record["last_request"] = result.requested[agent]
        record["last_effort"] = choices[agent]["effort"] if params.harvest == "effort" else None
        record["last_harvest"] = amount
    for agent in skipped:
        agents[agent]["last_request"] = None
        agents[agent]["last_effort"] = None
        agents[agent]["last_harvest"] = 0.0

    monitoring.resolve_inspections(state, agents, choices, result.harvested, deps)

    stock = result.stock_after
    end = EndReason.COLLAPSED.value if commons.collapsed(stock, params, "after_harvest") else None
    return {"stock": stock, "agents": agents, "end_reason": end}
