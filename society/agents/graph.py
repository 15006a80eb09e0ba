"""The agent graph: one agent's turn in one phase, observe → recall → decide → act.

Built once per run; the coordinator runs it for the agents acting in a phase through
`AgentTurns`. One invocation of the compiled graph takes every LLM agent's turn of a phase:
it sends each turn down its own branch observe → recall → decide → act (a LangGraph `Send`
carries that agent's turn state from node to node), so each agent's turn is its own run of the
four-node state machine while the runtime's per-step work (preparing tasks, applying writes,
checkpointing in memory) is done once per step for the whole phase. `recall` puts the agent's
recalled memories in the request context
(`context["memories"]`), fits them within the prompt budget for LLM minds, and records what
was recalled in a `memory_retrieved` event written just before the decision. The coordinator
normally retrieves for every acting agent of a phase in one batch and passes the results in
(`recalled`, `query`); given a `memory` and no results, the node retrieves for its agent alone.
"""

from __future__ import annotations

import asyncio
import operator
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import replace
from typing import Annotated, Any, TypedDict

from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph.types import Command, Send

from memory import EpisodicMemory, MemoryQuery
from society.agents.budget import fit_memories
from society.agents.mind import DecisionRequest, Mind, MindResult
from society.agents.recall import as_entries
from society.core.phase import Phase
from society.transcript.events import Decision, Event, MemoryRetrieved


class AgentTurn(TypedDict, total=False):
    # Input, set by the coordinator (plain data).
    agent: str
    phase: str
    view: dict[str, Any]
    context: dict[str, Any]
    seed: str
    recalled: list[dict[str, Any]]  # retrieved by the coordinator (recall.as_entries)
    query: str
    # Working values inside the turn.
    request: DecisionRequest
    result: MindResult
    memory_event: MemoryRetrieved | None
    budget: dict[str, Any] | None  # token_budget / memories_dropped for the llm_call events
    # Output: what the coordinator merges by agent id. Its events are typed events, serialised
    # once, by the transcript writer.
    outcome: dict[str, Any]


class PhaseTurns(TypedDict, total=False):
    """The compiled graph's state: the phase's turns in, each agent's outcome out."""

    turns: list[dict[str, Any]]  # one AgentTurn input per acting agent
    outcomes: Annotated[list[tuple[str, dict[str, Any]]], operator.add]  # (agent, outcome)


Node = Callable[[AgentTurn], Awaitable[AgentTurn]]
# (agent, phase, view, k, round) -> the memory query for that decision (the game's words)
QueryFor = Callable[[str, str, dict[str, Any], int, int], MemoryQuery]


def agent_nodes(
    minds: Mapping[str, Mind],
    phases: Mapping[str, Phase],
    *,
    memory: EpisodicMemory | None = None,
    k: int = 4,
    token_budget: int | None = None,
    query_for: QueryFor | None = None,
) -> list[tuple[str, Node]]:
    """The agent graph's nodes in order (the graph is the chain START → … → END).
    `minds` maps every agent id to the mind that decides for it; `phases` are the game's, by
    name (each gives its observation model, prompt id, decision type and rule). `memory` (with
    `k` ranked memories per decision) and the game's `query_for` let `recall` retrieve by
    itself when the coordinator did not; `token_budget` bounds LLM prompts (None: no
    budget)."""

    async def observe(turn: AgentTurn) -> AgentTurn:
        spec = phases[turn["phase"]]
        view = spec.observation.model_validate(turn["view"])
        context = turn.get("context", {})
        request = DecisionRequest(
            phase=spec.name,
            prompt_id=spec.prompt_id(view),
            observation=view,
            decision_type=spec.decision_type(view, minds[turn["agent"]].source),
            seed=turn["seed"],
            context=context,
            # Validators read the phase's facts (ballot, peers, the largest ask...).
            validation_context=spec.validation_context(view, context),
            policy=spec.rule,
        )
        return {"request": request}

    async def recall(turn: AgentTurn) -> AgentTurn:
        request = turn["request"]
        entries = turn.get("recalled")
        query = turn.get("query", "")
        if entries is None:
            if memory is None:
                return {"memory_event": None, "budget": None}
            view = turn["view"]
            if query_for is None:
                raise ValueError("a turn without recalled memories needs `query_for` to ask")
            wanted = query_for(turn["agent"], turn["phase"], view, k, view["round"])
            entries, query = as_entries(memory.retrieve([wanted])[0]), wanted.text
        mind = minds[turn["agent"]]
        dropped: list[dict[str, Any]] = []
        budget = None
        rendered = None
        prompts = getattr(mind, "prompts", None)
        if token_budget is not None and mind.source == "llm" and prompts is not None:
            from society.agents.llm import render_request

            last: list[Any] = []  # the latest render: the prompt with the memories kept

            def render(kept: list[dict[str, Any]]) -> list[str]:
                trial = replace(request, context={**request.context, "memories": kept})
                last[:] = [render_request(prompts, trial)]
                return [m.content for m in last[0].messages]

            settings = getattr(mind, "settings", None)
            encoding = getattr(settings, "token_encoding", "cl100k_base")
            fitted = fit_memories(entries, render, token_budget, encoding)
            entries, dropped = fitted.memories, fitted.dropped
            budget = {"token_budget": token_budget, "memories_dropped": len(dropped)}
            rendered = last[0]
        event = MemoryRetrieved(
            round=request.observation.round,
            agent=turn["agent"],
            phase=turn["phase"],
            query=query,
            items=[*entries, *dropped],
            dropped=len(dropped),
        )
        context = {**request.context, "memories": entries}
        return {
            "request": replace(request, context=context, rendered=rendered),
            "memory_event": event,
            "budget": budget,
        }

    async def decide(turn: AgentTurn) -> AgentTurn:
        mind = minds[turn["agent"]]
        return {"result": await mind.decide(turn["request"])}

    async def act(turn: AgentTurn) -> AgentTurn:
        request, result = turn["request"], turn["result"]
        mind = minds[turn["agent"]]
        events: list[Event] = []
        latencies: list[float | None] = []
        if turn.get("memory_event") is not None:
            events.append(turn["memory_event"])
            latencies.append(None)
        budget = turn.get("budget") or {}
        events += [
            call.event.model_copy(update=budget) if budget else call.event for call in result.calls
        ]
        latencies += [call.latency_s for call in result.calls]
        servers = [None] * (len(latencies) - len(result.calls))
        servers += [call.server for call in result.calls]
        chosen = result.decision.model_dump() if result.decision is not None else None
        if chosen is not None:
            decision = Decision(
                round=request.observation.round,
                agent=turn["agent"],
                phase=turn["phase"],
                source=mind.source,  # type: ignore[arg-type]
                decision=chosen,
                attempts=result.attempts,
            )
            events.append(decision)
            latencies.append(None)
        else:
            assert result.failure is not None
            events.append(result.failure)
            latencies.append(None)
        outcome = {
            "decision": chosen,
            "failure_policy": result.failure.policy if result.failure is not None else None,
            "events": events,
            "latencies": latencies,
        }
        if any(servers):  # which servers answered, for timings.jsonl only
            outcome["servers"] = servers + [None] * (len(latencies) - len(servers))
        return {"outcome": outcome}

    return [("observe", observe), ("recall", recall), ("decide", decide), ("act", act)]


def build_agent_graph(
    minds: Mapping[str, Mind],
    phases: Mapping[str, Phase],
    *,
    memory: EpisodicMemory | None = None,
    k: int = 4,
    token_budget: int | None = None,
    query_for: QueryFor | None = None,
) -> CompiledStateGraph:
    """The compiled agent graph (arguments as for `agent_nodes`)."""
    return _compile(
        agent_nodes(
            minds, phases, memory=memory, k=k, token_budget=token_budget, query_for=query_for
        )
    )


def _compile(nodes: list[tuple[str, Node]]) -> CompiledStateGraph:
    """START sends every turn to the first node; each node passes its agent's turn state, with
    its update merged (each key's last write wins), to the next; the last adds the outcome."""
    graph = StateGraph(PhaseTurns)
    names = [name for name, _ in nodes]

    def dispatch(state: PhaseTurns) -> list[Send]:
        return [Send(names[0], turn) for turn in state["turns"]]

    for (name, function), following in zip(nodes, [*names[1:], None], strict=True):
        if following is None:
            graph.add_node(name, _last_step(function))
            graph.add_edge(name, END)
        else:
            graph.add_node(name, _step(function, following), destinations=(following,))
    graph.add_conditional_edges(START, dispatch, [names[0]])
    # An agent's turn is never checkpointed on its own: without `checkpointer=False` it would
    # inherit the round graph's checkpointer and read it back at every step.
    return graph.compile(name="agent", checkpointer=False)


def _step(node: Node, following: str) -> Callable[[Any], Awaitable[Command]]:
    async def step(turn: Any) -> Command:
        return Command(goto=Send(following, {**turn, **await node(turn)}))

    return step


def _last_step(node: Node) -> Callable[[Any], Awaitable[dict[str, Any]]]:
    async def last(turn: Any) -> dict[str, Any]:
        done = await node(turn)
        return {"outcomes": [(turn["agent"], done["outcome"])]}

    return last


class AgentTurns:
    """Runs agent turns for the coordinator.

    By default the LLM minds' turns of a phase run through the compiled LangGraph agent graph
    (`self.graph`), in one invocation for the phase, and a rule mind's turn calls the graph's
    node functions directly (a rule decision costs less than a trip through the graph).
    `direct=True` (opt-in: `run_society(direct_turns=True)`) makes LLM turns direct too: it
    calls the node functions in the graph's order and merges their updates the way the graph
    does (each key's last write wins), without the runtime's per-step bookkeeping
    (BENCHMARKS.md measures both). Tests check both paths write byte-identical transcripts,
    for rule and LLM minds."""

    def __init__(
        self,
        minds: Mapping[str, Mind],
        phases: Mapping[str, Phase],
        *,
        memory: EpisodicMemory | None = None,
        k: int = 4,
        token_budget: int | None = None,
        direct: bool = False,
        query_for: QueryFor | None = None,
    ) -> None:
        self.nodes = agent_nodes(
            minds, phases, memory=memory, k=k, token_budget=token_budget, query_for=query_for
        )
        self.graph = _compile(self.nodes)
        # Rule minds' turns always call the nodes directly (as before: the graph costs more
        # than a rule decision); LLM minds' turns go through the graph unless `direct`.
        self._direct = {
            agent for agent, mind in minds.items() if direct or mind.source == "rules"
        }

    async def run_all(self, turns: Sequence[dict[str, Any]]) -> dict[str, dict[str, Any]]:
        """The turns of one phase, concurrently (their model calls overlap): agent -> its
        outcome, in the turns' order. If one turn raises, the others are cancelled and the
        error propagates as it was raised."""
        direct = [turn for turn in turns if turn["agent"] in self._direct]
        graphed = [turn for turn in turns if turn["agent"] not in self._direct]
        tasks = [asyncio.ensure_future(self.run(turn)) for turn in direct]
        if graphed:
            tasks.append(asyncio.ensure_future(self.run_graph(graphed)))
        try:
            finished = await asyncio.gather(*tasks)
        except BaseException:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            raise
        found = {
            turn["agent"]: done["outcome"]
            for turn, done in zip(direct, finished[: len(direct)], strict=True)
        }
        if graphed:
            found.update(finished[-1])
        return {turn["agent"]: found[turn["agent"]] for turn in turns}

    async def run_graph(self, turns: Sequence[dict[str, Any]]) -> dict[str, dict[str, Any]]:
        """Turns through the compiled graph, in one invocation: agent -> its outcome."""
        done = await self.graph.ainvoke({"turns": list(turns)})
        return dict(done["outcomes"])

    async def run(self, turn: dict[str, Any]) -> dict[str, Any]:
        """One turn, its nodes called directly: the turn's final state."""
        state = dict(turn)
        for _name, node in self.nodes:
            state.update(await node(state))  # type: ignore[arg-type]
        return state
