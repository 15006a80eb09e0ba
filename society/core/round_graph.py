"""The coordinator graph, built from a game's phase list: rounds until an end condition.

    start_round → for each phase of the round, in order:
        [phase_turn →] resolver   (phase_turn: every acting agent's turn, run concurrently)
    → the closing phase → start_round | finish

No phase is named here: the game gives the phases (`Game.round_phases`), and each phase says
whether agents take turns in it, whether it repeats and what it resolves (see
`society.core.phase`). Outcomes merge through a reducer keyed by agent id and are written in
agent-id order.

With a round memory (`Game.round_memory`), each fan-out first recalls for all its agents in one
batched retrieve, each resolver stores what its events mean to each agent, and before the
closing phase every agent reflects.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph.types import Send

from society.core import roles
from society.core.phase import Phase
from society.core.state import alive, members_fixed

__all__ = ["build_round_graph", "recursion_limit"]

START_NODE = "start_round"
FINISH_NODE = "finish"
REFLECT = "reflect"


def recursion_limit(game: Any, scenario: Any) -> int:
    per_round = 1 + sum(phase.steps(scenario) for phase in game.round_phases(scenario))
    return per_round * scenario.rounds + 10


def build_round_graph(
    game: Any, deps: Any, checkpointer: BaseCheckpointSaver | None = None
) -> CompiledStateGraph:
    """With a `checkpointer`, the graph pauses after every round (after the closing phase): the
    caller saves the round and invokes it again to go on (see `society.coordinator.session`)."""
    scenario, writer = deps.scenario, deps.writer
    phases: Sequence[Phase] = game.round_phases(scenario)
    agent_phases = game.phases(scenario)
    closing = phases[-1]
    keeper = game.round_memory(deps)
    if keeper is not None and deps.history:
        keeper.relearn(deps.history)

    def ending(state: Any) -> bool:
        return state["end_reason"] is not None

    def fan_out(phase: str, who: Callable[[Any], list[str]], context: Callable) -> Callable:
        def turns(state: Any) -> list[dict[str, Any]]:
            """The turn of every agent acting in `phase` now (its view, context, recall)."""
            with members_fixed(state) as listed:
                members = len(listed)
                payloads = [
                    {
                        "agent": agent,
                        "phase": phase,
                        "view": game.observe(state, agent, phase, deps, members),
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
            return payloads

        return turns

    turns_of = {
        phase.name: fan_out(
            phase.name,
            lambda s, p=phase: roles.acting(s, p.acting_role(scenario), p.actors(s, deps)),
            lambda s, a, p=phase: p.context(s, a, deps),
        )
        for phase in phases
        if phase.turns
    }

    def route_from(index: int) -> Callable[[Any], Any]:
        """Where the round goes once phases[:index] are done."""

        async def route(state: Any) -> list[Send] | str:
            for phase in phases[index:]:
                if not phase.turns:
                    return phase.node
                if ending(state):
                    continue
                pending = turns_of[phase.name](state)
                if pending:
                    # One task for the phase's turns, which run concurrently inside it: a
                    # LangGraph task per agent cost more than the agent's own turn, and its
                    # writes are kept in a list scanned once per task (O(N²) per phase).
                    return [Send(f"{phase.name}_turn", {"turns": pending})]
                if phase.resolve_when_idle:
                    return phase.node
            raise AssertionError("the closing phase has no turns, so it is always reached")

        return route

    def targets_from(index: int) -> list[str]:
        found: list[str] = []
        for phase in phases[index:]:
            if phase.turns:
                found.append(f"{phase.name}_turn")
            found.append(phase.node)
            if not phase.turns:
                break
        return found

    async def start_round(state: Any) -> dict[str, Any]:
        with writer.capture() as written:
            update = roles.start_round(state, game.start_round(state, deps), deps)
        if keeper is not None and update["round"] == 1:
            keeper.start({**state, **update}, written)
        return {**update, "outcomes": None}

    async def turn(batch: dict[str, Any]) -> dict[str, Any]:
        return {"outcomes": await deps.agent_turns.run_all(batch["turns"])}

    def node(phase: Phase) -> Callable[[Any], Any]:
        closes = phase is closing

        async def run(state: Any) -> dict[str, Any]:
            # Every resolution consumes the phase's outcomes; the next phase starts empty.
            if keeper is None:
                update = phase.resolve(state, deps)
            else:
                if closes:
                    await reflect(state)
                with writer.capture() as written:
                    update = phase.resolve(state, deps)
                keeper.remember({**state, **update}, written)
            if closes and deps.on_round_finished is not None:
                merged = {**state, **update}
                deps.on_round_finished(merged["round"], game.headline(merged))
            return {"outcomes": None, **update}

        return run

    reflect_turns = fan_out(
        REFLECT,
        lambda s: [a for a in alive(s) if deps.mind_sources[a] == "llm"],
        lambda s, a: {},
    )

    async def reflect(state: Any) -> None:
        """End of round: LLM agents reflect in one call unless the game says another call
        already carried it; then the round memory writes every member's reflection."""
        assert keeper is not None
        if not keeper.reflects(state):
            return
        if keeper.reflect_in_call and REFLECT in agent_phases:
            turns = reflect_turns(state)
            if turns:
                outcomes = await deps.agent_turns.run_all(turns)
                with writer.capture() as written:
                    deps.write_outcomes(outcomes)
                keeper.remember(state, written)
        keeper.reflect(state, alive(state))

    async def finish(state: Any) -> dict[str, Any]:
        game.finish(state, deps)
        return {}

    graph = StateGraph(game.state_type)
    graph.add_node(START_NODE, start_round)
    graph.add_node(FINISH_NODE, finish)
    graph.add_edge(START, START_NODE)
    graph.add_conditional_edges(START_NODE, route_from(0), targets_from(0))
    for index, phase in enumerate(phases):
        graph.add_node(phase.node, node(phase))
        if phase.turns:
            graph.add_node(f"{phase.name}_turn", turn)
            graph.add_edge(f"{phase.name}_turn", phase.node)
        if phase is closing:
            continue
        after = index if phase.repeats else index + 1
        graph.add_conditional_edges(phase.node, route_from(after), targets_from(after))

    async def next_round(state: Any) -> str:
        return FINISH_NODE if ending(state) else START_NODE

    graph.add_conditional_edges(closing.node, next_round, [START_NODE, FINISH_NODE])
    graph.add_edge(FINISH_NODE, END)
    if checkpointer is None:
        return graph.compile(name="society")
    return graph.compile(name="society", checkpointer=checkpointer, interrupt_after=[closing.node])
