"""The coordinator graph: runs rounds of the society until an end condition.

Per round, with the phases the scenario switches on:

    start_round → harvest_turn* → resolve_harvest
      → respond_turn* → resolve_respond          (gossip and/or sanctions)
      → settle                                   (consumption, starvation)
      → propose_turn* → resolve_proposals → vote_turn* → resolve_vote   (voting)
      → learn_turn* → resolve_learning           (individual and social learning)
      → regrow → start_round | finish            (reflections first, with memory on)

`*` marks a fan-out: one concurrent branch per acting agent (LangGraph `Send`). Outcomes
merge through a reducer keyed by agent id and are written in agent-id order.

With memory on (`deps.memory`), each fan-out first recalls for all its agents in one batched
`retrieve`, each resolution node stores what its events mean to each agent in one `add`, and
the regrow node first lets every agent reflect (see `society.coordinator.remembering`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph.types import Send

from society.commons.ending import INTERRUPTED
from society.coordinator import town_hall, views
from society.coordinator.choice import resolve_proposals, resolve_vote
from society.coordinator.deps import CoordinatorDeps
from society.coordinator.enforcement import resolve_respond
from society.coordinator.harvesting import resolve_harvest
from society.coordinator.learning import resolve_learning
from society.coordinator.remembering import MemoryKeeper
from society.coordinator.settlement import regrow, settle
from society.coordinator.state import SocietyState, alive, copy_agents, empty_news
from society.scenario.schema import Scenario
from society.transcript.events import AgentJoined, RoundStarted, RunFinished

__all__ = ["CoordinatorDeps", "build_round_graph", "recursion_limit"]

ContextOf = Callable[[SocietyState, str], dict[str, Any]]


def enabled_phases(scenario: Scenario) -> list[str]:
    institutions = scenario.institutions
    phases = ["harvest"]
    if institutions.gossip.enabled or institutions.sanctions.enabled:
        phases.append("respond")
    if institutions.town_hall.enabled:
        phases += ["speak", "summarize"]
    if institutions.voting.enabled:
        phases += ["propose", "vote"]
    phases.append("learn")  # rule agents learn individually; the node skips when nobody learns
    return phases


def recursion_limit(scenario: Scenario) -> int:
    # Each phase takes two steps (turns, resolution); start, settle and regrow one each; a
    # town hall adds two steps per utterance.
    per_round = 2 * len(enabled_phases(scenario)) + 3
    if scenario.institutions.town_hall.enabled:
        per_round += 2 * scenario.institutions.town_hall.max_utterances + 1
    return per_round * scenario.rounds + 10


def build_round_graph(
    deps: CoordinatorDeps, checkpointer: BaseCheckpointSaver | None = None
) -> CompiledStateGraph:
    """With a `checkpointer`, the graph pauses after every round (after `regrow`): the caller
    saves the round and invokes it again to go on (see `society.coordinator.session`)."""
    scenario, writer = deps.scenario, deps.writer
    phases = enabled_phases(scenario)
    keeper = (
        MemoryKeeper(deps.memory, scenario, deps.mind_sources, writer)
        if deps.memory is not None and scenario.memory.enabled
        else None
    )
    if keeper is not None and deps.history:
        keeper.relearn(deps.history)

    async def start_round(state: SocietyState) -> dict[str, Any]:
        number = state["round"] + 1
        agents = copy_agents(state)
        for record in agents.values():
            record["previous_news"] = record["news"]
            record["news"] = empty_news(number)
            record["payoff_at_round_start"] = record["payoff"]
        # Agent records are read at this round number by the fan-out below.
        upcoming: SocietyState = {**state, "round": number, "agents": agents}  # type: ignore[typeddict-item]
        for agent in alive(upcoming):
            if agents[agent]["joins_at"] == number and number > 1:
                writer.write(AgentJoined(round=number, agent=agent, group=agents[agent]["group"]))
        started = writer.write(
            RoundStarted(
                round=number,
                stock=state["stock"],
                alive=alive(upcoming),
                norm_limit=state["norm"]["limit"],
                norm_text=state["norm"]["text"],
                excluded=views.excluded(upcoming),
            )
        )
        if keeper is not None and number == 1:
            norm = state["norm"]
            keeper.start(sorted(agents), norm["text"], norm["limit"], started.seq)
        return {
            "round": number,
            "agents": agents,
            "outcomes": None,
            "previous_stock": state["round_start_stock"],
            "round_start_stock": state["stock"],
        }

    def fan_out(
        phase: str, who: Callable[[SocietyState], list[str]], context: ContextOf
    ) -> Callable[[SocietyState], list[Send]]:
        def sends(state: SocietyState) -> list[Send]:
            members = len(alive(state))
            payloads = [
                {
                    "agent": agent,
                    "phase": phase,
                    "view": views.observation(state, agent, phase, deps, members),
                    "context": context(state, agent),
                    "seed": f"{scenario.seed}:{state['round']}:{phase}:{agent}",
                }
                for agent in who(state)
            ]
            if keeper is not None and payloads:
                # One batched retrieve for every agent acting in this phase.
                recalled = keeper.recall_batch(phase, {p["agent"]: p["view"] for p in payloads})
                for payload in payloads:
                    payload["recalled"], payload["query"] = recalled[payload["agent"]]
            return [Send(f"{phase}_turn", payload) for payload in payloads]

        return sends

    async def turn(payload: dict[str, Any]) -> dict[str, Any]:
        finished = await deps.agent_turns.run(payload)
        return {"outcomes": {payload["agent"]: finished["outcome"]}}

    def node(
        step: Callable[[SocietyState, CoordinatorDeps], dict[str, Any]],
    ) -> Callable[[SocietyState], Any]:
        async def run(state: SocietyState) -> dict[str, Any]:
            # Every resolution consumes the phase's outcomes; the next phase starts empty.
            if keeper is None:
                return {"outcomes": None, **step(state, deps)}
            if step is regrow:
                await reflect(state)
            with writer.capture() as written:
                update = step(state, deps)
            keeper.remember({**state, **update}, written)
            return {"outcomes": None, **update}

        return run

    reflect_in_call = (
        scenario.memory.reflection_call and not scenario.institutions.social_learning.enabled
    )
    reflect_sends = fan_out(
        "reflect", lambda s: [a for a in alive(s) if deps.mind_sources[a] == "llm"], lambda s, a: {}
    )

    async def reflect(state: SocietyState) -> None:
        """End of round: LLM agents reflect in one call unless their learning revision already
        did; then every member that has not reflected gets a rule-made reflection."""
        assert keeper is not None
        if not scenario.memory.reflection or state["end_reason"] is not None:
            return
        if reflect_in_call:
            turns = [send.arg for send in reflect_sends(state)]
            if turns:
                finished = await asyncio.gather(*(deps.agent_turns.run(t) for t in turns))
                outcomes = {t["agent"]: f["outcome"] for t, f in zip(turns, finished, strict=True)}
                with writer.capture() as written:
                    deps.write_outcomes(outcomes)
                keeper.remember(state, written)
        keeper.reflect(state, alive(state))

    async def finish(state: SocietyState) -> dict[str, Any]:
        aborted = state["end_reason"] in INTERRUPTED
        writer.write(
            RunFinished(
                round=state["round"],
                rounds_completed=state["round"] - (1 if aborted else 0),
                end_reason=state["end_reason"] or "",
                final_stock=state["stock"],
            )
        )
        return {}

    graph = StateGraph(SocietyState)
    graph.add_node("start_round", start_round)
    graph.add_node("resolve_harvest", node(resolve_harvest))
    graph.add_node("settle", node(settle))
    graph.add_node("regrow", node(regrow))
    graph.add_node("finish", finish)
    for phase in phases:
        graph.add_node(f"{phase}_turn", turn)
        graph.add_edge(f"{phase}_turn", _resolver_name(phase))

    def ending(state: SocietyState) -> bool:
        return state["end_reason"] is not None

    def after(
        node_name: str,
        target: str,
        empty_target: str,
        who: Callable[[SocietyState], list[str]],
        phase: str,
        context: ContextOf,
    ) -> None:
        """From `node_name`, fan out to `phase` turns; skip to `empty_target` if nobody acts
        or the round is already ending."""
        sends = fan_out(phase, who, context)

        async def route(state: SocietyState) -> list[Send] | str:
            if ending(state):
                return empty_target
            pending = sends(state)
            return pending or target

        graph.add_conditional_edges(node_name, route, [f"{phase}_turn", target, empty_target])

    graph.add_edge(START, "start_round")
    # Harvest: everyone alive and not excluded.
    harvest_route = fan_out(
        "harvest", views.harvesters, lambda s, a: views.harvest_context(s, a, deps)
    )

    async def after_start(state: SocietyState) -> list[Send] | str:
        return harvest_route(state) or "resolve_harvest"

    graph.add_conditional_edges("start_round", after_start, ["harvest_turn", "resolve_harvest"])

    # After the harvest: respond (if on), then the town hall (if on), then settle.
    after_respond = "open_town_hall" if "speak" in phases else "settle"
    if "respond" in phases:
        graph.add_node("resolve_respond", node(resolve_respond))
        after(
            "resolve_harvest",
            "resolve_respond",
            after_respond,
            lambda s: views.responders(s, deps),
            "respond",
            lambda s, a: views.respond_context(s, a, deps),
        )
        graph.add_edge("resolve_respond", after_respond)
    else:
        graph.add_edge("resolve_harvest", after_respond)
    if "speak" in phases:
        _wire_town_hall(graph, deps, fan_out, node, ending)

    learn_entry = "resolve_learning"
    graph.add_node("resolve_learning", node(resolve_learning))
    if "propose" in phases:
        graph.add_node("resolve_proposals", node(resolve_proposals))
        graph.add_node("resolve_vote", node(resolve_vote))
        after("settle", "resolve_proposals", "regrow", alive, "propose", lambda s, a: {})
        after(
            "resolve_proposals",
            "resolve_vote",
            "regrow",
            alive,
            "vote",
            lambda s, a: views.vote_context(s),
        )
        after(
            "resolve_vote",
            learn_entry,
            "regrow",
            lambda s: views.learners(s, deps),
            "learn",
            lambda s, a: views.learn_context(s, a, deps),
        )
    else:
        after(
            "settle",
            learn_entry,
            "regrow",
            lambda s: views.learners(s, deps),
            "learn",
            lambda s, a: views.learn_context(s, a, deps),
        )
    graph.add_edge("resolve_learning", "regrow")

    async def next_round(state: SocietyState) -> str:
        return "finish" if ending(state) else "start_round"

    graph.add_conditional_edges("regrow", next_round, ["start_round", "finish"])
    graph.add_edge("finish", END)
    if checkpointer is None:
        return graph.compile(name="society")
    return graph.compile(name="society", checkpointer=checkpointer, interrupt_after=["regrow"])


def _wire_town_hall(
    graph: StateGraph, deps: CoordinatorDeps, fan_out: Any, node: Any, ending: Any
) -> None:
    """open → speak_turn (one speaker at a time, each naming the next) → resolve_utterance →
    … → summarize_turn* → resolve_summaries → settle."""
    graph.add_node("open_town_hall", node(town_hall.open_town_hall))
    graph.add_node("resolve_utterance", node(town_hall.resolve_utterance))
    graph.add_node("resolve_summaries", node(town_hall.resolve_summaries))
    graph.add_edge("resolve_summaries", "settle")
    speak = fan_out(
        "speak",
        lambda s: [s["town_hall"]["speaker"]],
        lambda s, a: town_hall.speak_context(s, a, deps),
    )
    summarize = fan_out("summarize", alive, lambda s, a: town_hall.summary_context(s, a, deps))

    async def next_turn(state: SocietyState) -> list[Send] | str:
        if ending(state):
            return "settle"
        if state["town_hall"].get("speaker"):
            return speak(state)
        return summarize(state) or "resolve_summaries"

    targets = ["speak_turn", "summarize_turn", "resolve_summaries", "settle"]
    graph.add_conditional_edges("open_town_hall", next_turn, targets)
    graph.add_conditional_edges("resolve_utterance", next_turn, targets)


def _resolver_name(phase: str) -> str:
    return {
        "harvest": "resolve_harvest",
        "respond": "resolve_respond",
        "speak": "resolve_utterance",
        "summarize": "resolve_summaries",
        "propose": "resolve_proposals",
        "vote": "resolve_vote",
        "learn": "resolve_learning",
    }[phase]
