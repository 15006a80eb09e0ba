"""Playing the rounds of a run with a checkpoint after each one (new runs and resumed ones).

The round graph pauses after every `regrow` (LangGraph's `interrupt_after`) and runs with
`durability="exit"`, so LangGraph saves exactly one checkpoint per round. At each pause the
transcript is synced to disk and the round is marked in the round log (see
`society.checkpoint.rounds`); then the graph goes on, unless a stop was requested.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from langchain_core.runnables import RunnableConfig

from memory import EpisodicMemory, InMemoryMemory
from society.agents.graph import AgentTurns
from society.agents.mind import Mind
from society.backends.stack import RunBackends
from society.checkpoint.journal import JournaledMemory
from society.checkpoint.rounds import GRAPH_THREAD, RoundLog, RoundMark
from society.coordinator.deps import CoordinatorDeps
from society.core.agents import AgentSpec
from society.core.ending import INTERRUPTED
from society.core.registry import game_of
from society.core.round_graph import build_round_graph, recursion_limit
from society.scenario.base import ScenarioBase as Scenario
from society.transcript.events import Event
from society.transcript.writer import TranscriptWriter


class RunControl:
    """How a caller steers a run in progress: `request_stop()` (e.g. from a Ctrl-C handler)
    ends it at the next round boundary, resumable; `run_dir` is set as soon as the run folder
    exists, and `round` after each completed round (for messages)."""

    def __init__(self) -> None:
        self.stop_requested = False
        self.run_dir: Path | None = None
        self.round = 0

    def request_stop(self) -> None:
        self.stop_requested = True


@dataclass
class RunParts:
    """What playing rounds needs, set up by a new run or a resume."""

    scenario: Scenario
    agents: Sequence[AgentSpec]
    minds: Mapping[str, Mind]
    writer: TranscriptWriter
    log: RoundLog
    memory: EpisodicMemory | None
    backends: RunBackends | None
    on_round_finished: Callable[[int, float], None] | None = None
    history: Sequence[Event] = field(default_factory=tuple)  # events of completed rounds
    direct_turns: bool = False  # see AgentTurns


def journaled(memory: EpisodicMemory | None) -> EpisodicMemory | None:
    """An in-memory store dies with the process: journal its writes for the round marks."""
    return JournaledMemory(memory) if isinstance(memory, InMemoryMemory) else memory


def mark_round(parts: RunParts, round_number: int, checkpoint_id: str | None) -> None:
    """Record that `round_number` is complete: the transcript first (synced), then the mark."""
    parts.writer.sync()
    events_bytes, timings_bytes = parts.writer.position()
    budget = parts.backends.budget if parts.backends is not None else None
    store = parts.backends.store if parts.backends is not None else None
    memory = parts.memory
    parts.log.mark(
        RoundMark(
            round=round_number,
            seq=parts.writer.next_seq,
            events_bytes=events_bytes,
            timings_bytes=timings_bytes,
            checkpoint_id=checkpoint_id,
            budget=None
            if budget is None
            else {
                "calls": budget.used.calls,
                "tokens": budget.used.tokens,
                "cost": budget.used.cost,
            },
        ),
        ordinals=store.take_moved_ordinals() if store is not None else (),
        memory_batches=memory.take_batches() if isinstance(memory, JournaledMemory) else (),
    )


async def play_rounds(
    parts: RunParts,
    *,
    start: dict[str, Any] | None,
    checkpoint_id: str | None = None,
    control: RunControl | None = None,
) -> bool:
    """Play from `start` (a new run) or from the checkpoint `checkpoint_id` (a resume) to the
    end of the run. Returns False if `control` stopped it early at a round boundary."""
    scenario, minds, memory = parts.scenario, parts.minds, parts.memory
    game = game_of(scenario)
    deps = CoordinatorDeps(
        scenario=scenario,
        agent_turns=AgentTurns(
            minds,
            game.phases(scenario),
            # Recall without the round memory's batch needs the game's query (commons: always
            # batched); a game that keeps no memories gets none.
            memory=memory if game.memory_query is not None else None,
            k=scenario.memory.k,
            token_budget=scenario.memory.token_budget if memory is not None else None,
            direct=parts.direct_turns,
            query_for=game.memory_query,
        ),
        writer=parts.writer,
        personas=game.personas(scenario, parts.agents),
        mind_sources={a.id: minds[a.id].source for a in parts.agents},
        on_round_finished=parts.on_round_finished,
        memory=memory,
        history=parts.history,
    )
    graph = build_round_graph(game, deps, checkpointer=parts.log.checkpointer)
    thread: RunnableConfig = {
        "configurable": {"thread_id": GRAPH_THREAD},
        "recursion_limit": recursion_limit(game, scenario),
    }
    config: RunnableConfig = thread
    if checkpoint_id is not None:
        config = {
            **thread,
            "configurable": {"thread_id": GRAPH_THREAD, "checkpoint_id": checkpoint_id},
        }
    payload: dict[str, Any] | None = start
    while True:
        await graph.ainvoke(payload, config, durability="exit")
        payload, config = None, thread
        paused = await graph.aget_state(thread)
        if not paused.next:
            return True
        state = paused.values
        if state["end_reason"] not in INTERRUPTED:
            mark_round(parts, state["round"], paused.config["configurable"]["checkpoint_id"])
            if control is not None:
                control.round = state["round"]
        if control is not None and control.stop_requested and paused.next == ("start_round",):
            return False
