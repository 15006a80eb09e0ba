"""End of the round's economy: consumption and starvation, then regrowth and the end check."""

from __future__ import annotations

from typing import Any

from society.coordinator.deps import CoordinatorDeps
from society.games.commons import dynamics as commons
from society.games.commons.dynamics.ending import INTERRUPTED, EndReason
from society.games.commons.events import AgentDied, PayoffsSettled, Regrowth, RoundFinished
from society.games.commons.state import SocietyState, alive, copy_agents


def settle(state: SocietyState, deps: CoordinatorDeps) -> dict[str, Any]:
    """Each alive agent consumes; holdings below zero starve it (after fines were paid)."""
    if state["end_reason"] in INTERRUPTED:
        return {}
    params = deps.scenario.commons
    number = state["round"]
    living = alive(state)
    result = commons.settle(
        {agent: state["agents"][agent]["payoff"] for agent in living},
        {},
        params.consumption,
        params.starvation,
    )
    deps.writer.write(
        PayoffsSettled(
            round=number,
            consumption=params.consumption,
            payoffs=result.payoffs,
            starved=result.starved,
        )
    )
    agents = copy_agents(state)
    for agent in living:
        record = agents[agent]
        record["payoff"] = result.payoffs[agent]
        record["last_payoff_change"] = record["payoff"] - record["payoff_at_round_start"]
    for agent in result.starved:
        agents[agent]["alive"] = False
        deps.writer.write(AgentDied(round=number, agent=agent, payoff=result.payoffs[agent]))
    end = state["end_reason"]
    if end is None and result.starved and params.end_on_death:
        end = EndReason.AGENT_DIED.value
    if end is None and not any(record["alive"] for record in agents.values()):
        end = EndReason.EVERYONE_DEAD.value
    return {"agents": agents, "end_reason": end}


def regrow(state: SocietyState, deps: CoordinatorDeps) -> dict[str, Any]:
    """Regrow the stock (unless the run was aborted) and decide whether the run goes on."""
    scenario, number, stock = deps.scenario, state["round"], state["stock"]
    params = scenario.commons
    end = state["end_reason"]
    if end not in INTERRUPTED:
        grown = commons.regrow(stock, params)
        deps.writer.write(Regrowth(round=number, stock_before=stock, stock_after=grown))
        stock = grown
        living = alive(state)
        reason = commons.end_reason(
            round_number=number,
            round_limit=scenario.rounds,
            stock_collapsed=end == EndReason.COLLAPSED.value
            or commons.collapsed(stock, params, "after_regrowth"),
            deaths=0,  # deaths already ended the run in settle() when the scenario says so
            alive=len(living),
            commons=params,
        )
        end = end or (reason.value if reason else None)
        deps.writer.write(RoundFinished(round=number, stock=stock, alive=living, end_reason=end))
    # The round graph's closing node reports the finished round (once, for every game).
    return {"stock": stock, "end_reason": end}
