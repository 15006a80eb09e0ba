"""The coordinator graph: runs rounds of the society until an end condition.

start_round → (Send to every alive agent) agent → resolve_harvest → regrow → start_round | finish

Agent branches run concurrently; their outcomes merge through a reducer keyed by agent id and
are written to the transcript in agent-id order, never in completion order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph.types import Send

from society import commons
from society.commons.ending import EndReason
from society.coordinator.state import AgentRecord, SocietyState
from society.scenario.schema import Scenario
from society.transcript.events import (
    AgentDied,
    HarvestResolved,
    PayoffsSettled,
    Regrowth,
    RoundFinished,
    RoundStarted,
    RunFinished,
)
from society.transcript.writer import TranscriptWriter

NODES_PER_ROUND = 4


@dataclass(frozen=True)
class CoordinatorDeps:
    scenario: Scenario
    agent_graph: CompiledStateGraph
    writer: TranscriptWriter
    personas: dict[str, str]  # agent id -> persona description
    on_round_finished: Callable[[int, float], None] | None = None


def recursion_limit(scenario: Scenario) -> int:
    return NODES_PER_ROUND * scenario.rounds + 10


def build_round_graph(deps: CoordinatorDeps) -> CompiledStateGraph:
    scenario, writer = deps.scenario, deps.writer
    params = scenario.commons

    async def start_round(state: SocietyState) -> dict[str, Any]:
        number = state["round"] + 1
        writer.write(RoundStarted(round=number, stock=state["stock"], alive=_alive(state)))
        return {"round": number, "outcomes": None}

    def view_of(state: SocietyState, agent_id: str) -> dict[str, Any]:
        record = state["agents"][agent_id]
        stock = state["stock"]
        return {
            "agent": agent_id,
            "round": state["round"],
            "persona": deps.personas[agent_id],
            "harvest_mode": params.harvest,
            "resource": params.resource.model_dump(),
            "stock_signal": commons.stock_signal(stock, params.capacity),
            "exact_stock": stock if params.exact_stock_visible else None,
            "max_amount": int(stock) if params.harvest == "amount" else None,
            "community_size": len(state["agents"]),
            "last_request": record["last_request"],
            "last_harvest": record["last_harvest"],
            "last_payoff_change": record["last_payoff_change"],
            "payoff": record["payoff"],
            "norm_text": scenario.norm.text,
            "norm_limit": scenario.norm.limit,
            "strategy": record["strategy"],
        }

    def fan_out(state: SocietyState) -> list[Send]:
        # start_round has already advanced state["round"] to the round being played.
        return [
            Send(
                "agent",
                {
                    "agent": agent_id,
                    "phase": "harvest",
                    "view": view_of(state, agent_id),
                    "seed": f"{scenario.seed}:{state['round']}:harvest:{agent_id}",
                },
            )
            for agent_id in _alive(state)
        ]

    async def agent(turn: dict[str, Any]) -> dict[str, Any]:
        finished = await deps.agent_graph.ainvoke(turn)
        return {"outcomes": {turn["agent"]: finished["outcome"]}}

    async def resolve_harvest(state: SocietyState) -> dict[str, Any]:
        number, outcomes = state["round"], state["outcomes"]
        aborted = False
        for agent_id in sorted(outcomes):
            outcome = outcomes[agent_id]
            for event, latency in zip(outcome["events"], outcome["latencies"], strict=True):
                writer.write(event, latency_s=latency)
            aborted = aborted or outcome["failure_policy"] == "abort"
        if aborted:
            return {"end_reason": EndReason.ABORTED.value}

        decided = {a: o["decision"] for a, o in outcomes.items() if o["decision"] is not None}
        skipped = sorted(a for a, o in outcomes.items() if o["decision"] is None)
        if params.harvest == "effort":
            result = commons.resolve_effort(
                state["stock"], {a: d["effort"] for a, d in decided.items()}, params.productivity
            )
        else:
            rng = commons.derive_rng(scenario.seed, number, "ration")
            result = commons.resolve_amounts(
                state["stock"], {a: d["amount"] for a, d in decided.items()}, rng
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
            )
        )
        agents = {a: AgentRecord(**record) for a, record in state["agents"].items()}  # type: ignore[typeddict-item]
        alive = _alive(state)
        settlement = commons.settle(
            {a: agents[a]["payoff"] for a in alive},
            result.harvested,
            params.consumption,
            params.starvation,
        )
        writer.write(
            PayoffsSettled(
                round=number,
                consumption=params.consumption,
                payoffs=settlement.payoffs,
                starved=settlement.starved,
            )
        )
        for agent_id in alive:
            record = agents[agent_id]
            record["last_payoff_change"] = settlement.payoffs[agent_id] - record["payoff"]
            record["payoff"] = settlement.payoffs[agent_id]
            record["last_request"] = result.requested.get(agent_id)
            record["last_harvest"] = result.harvested.get(agent_id, 0.0)
        for agent_id in settlement.starved:
            agents[agent_id]["alive"] = False
            writer.write(
                AgentDied(round=number, agent=agent_id, payoff=settlement.payoffs[agent_id])
            )
        stock = result.stock_after
        end = None
        if commons.collapsed(stock, params, "after_harvest"):
            end = EndReason.COLLAPSED.value
        return {"stock": stock, "agents": agents, "end_reason": end}

    async def regrow(state: SocietyState) -> dict[str, Any]:
        number, stock = state["round"], state["stock"]
        end = state["end_reason"]
        if end != EndReason.ABORTED.value:
            grown = commons.regrow(stock, params)
            writer.write(Regrowth(round=number, stock_before=stock, stock_after=grown))
            stock = grown
            alive = [a for a, r in state["agents"].items() if r["alive"]]
            deaths = sum(1 for r in state["agents"].values() if not r["alive"])
            reason = commons.end_reason(
                round_number=number,
                round_limit=scenario.rounds,
                stock_collapsed=end == EndReason.COLLAPSED.value
                or commons.collapsed(stock, params, "after_regrowth"),
                deaths=deaths,
                alive=len(alive),
                commons=params,
            )
            end = reason.value if reason else None
            writer.write(
                RoundFinished(round=number, stock=stock, alive=sorted(alive), end_reason=end)
            )
        if deps.on_round_finished is not None:
            deps.on_round_finished(number, stock)
        return {"stock": stock, "end_reason": end}

    def next_step(state: SocietyState) -> str:
        return "finish" if state["end_reason"] else "start_round"

    async def finish(state: SocietyState) -> dict[str, Any]:
        completed = state["round"] - (1 if state["end_reason"] == EndReason.ABORTED.value else 0)
        writer.write(
            RunFinished(
                round=state["round"],
                rounds_completed=completed,
                end_reason=state["end_reason"] or "",
                final_stock=state["stock"],
            )
        )
        return {}

    graph = StateGraph(SocietyState)
    graph.add_node("start_round", start_round)
    graph.add_node("agent", agent)
    graph.add_node("resolve_harvest", resolve_harvest)
    graph.add_node("regrow", regrow)
    graph.add_node("finish", finish)
    graph.add_edge(START, "start_round")
    graph.add_conditional_edges("start_round", fan_out, ["agent"])
    graph.add_edge("agent", "resolve_harvest")
    graph.add_edge("resolve_harvest", "regrow")
    graph.add_conditional_edges("regrow", next_step, ["start_round", "finish"])
    graph.add_edge("finish", END)
    return graph.compile(name="society")


def _alive(state: SocietyState) -> list[str]:
    return sorted(agent for agent, record in state["agents"].items() if record["alive"])
