"""The agent graph: one agent's turn in one phase, observe → decide → act.

Built once per run by `build_agent_graph` and entered by the coordinator for every agent that
acts in a phase. Later nodes (recall, communicate, reflect) slot in between these.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypedDict

from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph

from society.agents.mind import DecisionRequest, Mind, MindResult
from society.agents.observation import Observation
from society.agents.phases import phase
from society.transcript.events import Decision


class AgentTurn(TypedDict, total=False):
    # Input, set by the coordinator (plain data).
    agent: str
    phase: str
    view: dict[str, Any]
    context: dict[str, Any]
    seed: str
    # Working values inside the turn.
    request: DecisionRequest
    result: MindResult
    # Output: plain data the coordinator merges by agent id.
    outcome: dict[str, Any]


def build_agent_graph(minds: Mapping[str, Mind]) -> CompiledStateGraph:
    """`minds` maps every agent id to the mind that decides for it."""

    async def observe(turn: AgentTurn) -> AgentTurn:
        view = Observation.model_validate(turn["view"])
        spec = phase(turn["phase"])
        context = turn.get("context", {})
        request = DecisionRequest(
            phase=spec.name,
            prompt_id=spec.prompt_id(view),
            observation=view,
            decision_type=spec.decision_type(view, minds[turn["agent"]].source),
            seed=turn["seed"],
            context=context,
            # Validators read the phase's facts (ballot, peers...) and the stock as the max ask.
            validation_context={**context, "max_amount": view.max_amount, "round": view.round},
        )
        return {"request": request}

    async def decide(turn: AgentTurn) -> AgentTurn:
        mind = minds[turn["agent"]]
        return {"result": await mind.decide(turn["request"])}

    async def act(turn: AgentTurn) -> AgentTurn:
        request, result = turn["request"], turn["result"]
        mind = minds[turn["agent"]]
        events: list[dict[str, Any]] = [call.event.model_dump() for call in result.calls]
        latencies: list[float | None] = [call.latency_s for call in result.calls]
        if result.decision is not None:
            decision = Decision(
                round=request.observation.round,
                agent=turn["agent"],
                phase=turn["phase"],
                source=mind.source,  # type: ignore[arg-type]
                decision=result.decision.model_dump(),
                attempts=result.attempts,
            )
            events.append(decision.model_dump())
            latencies.append(None)
        else:
            assert result.failure is not None
            events.append(result.failure.model_dump())
            latencies.append(None)
        outcome = {
            "decision": result.decision.model_dump() if result.decision is not None else None,
            "failure_policy": result.failure.policy if result.failure is not None else None,
            "events": events,
            "latencies": latencies,
        }
        return {"outcome": outcome}

    graph = StateGraph(AgentTurn)
    graph.add_node("observe", observe)
    graph.add_node("decide", decide)
    graph.add_node("act", act)
    graph.add_edge(START, "observe")
    graph.add_edge("observe", "decide")
    graph.add_edge("decide", "act")
    graph.add_edge("act", END)
    return graph.compile(name="agent")
