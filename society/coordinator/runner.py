"""Run one society: the run itself (folder, transcript, rounds, metrics) from prepared parts.

Its pieces each have a module of their own; their names stay importable from here:
`run_folder` (ids, digests, the folder), `minds` (model specs to minds), `run_memory` (the
memory store) and `society.core.agents` (the agents of a scenario).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from society.agents.mind import Mind
from society.analysis.metrics_file import run_metrics_document, write_metrics
from society.backends.resolve import ChatModelFactory, init_chat_model_factory
from society.backends.stack import BackendOptions
from society.checkpoint.lock import RunLock
from society.checkpoint.rounds import RoundLog
from society.coordinator.gc_tuning import tuned_gc
from society.coordinator.minds import build_mind, build_minds, prepare_minds, wants_durability
from society.coordinator.run_folder import (
    SCENARIO_FILE,
    new_run_dir,
    run_id_for,
    scenario_digest,
    write_resolved_scenario,
)
from society.coordinator.run_memory import open_run_memory
from society.coordinator.session import (
    RunControl,
    RunParts,
    journaled,
    mark_round,
    play_rounds,
)
from society.core.agents import AgentSpec, agents_of
from society.core.registry import game_of
from society.prompts import PromptLibrary
from society.scenario.base import ScenarioBase as Scenario
from society.transcript.events import AgentInfo, RunStarted
from society.transcript.reader import read_events
from society.transcript.writer import TranscriptWriter
from society.version import __version__

# Re-exported: tests, benchmarks and the CLI import them from here.
__all__ = [
    "SCENARIO_FILE",
    "AgentSpec",
    "RunResult",
    "agents_of",
    "backend_options_record",
    "build_mind",
    "build_minds",
    "finish_run",
    "new_run_dir",
    "open_run_memory",
    "prepare_minds",
    "run_id_for",
    "run_society",
    "run_society_sync",
    "scenario_digest",
    "wants_durability",
]


@dataclass(frozen=True)
class RunResult:
    run_dir: Path
    run_id: str
    metrics: Any  # the game's metrics model
    finished: bool = True  # False: stopped at a round boundary, to be resumed
    game: str = "commons"


async def run_society(
    scenario: Scenario,
    out: Path,
    *,
    chat_model_factory: ChatModelFactory = init_chat_model_factory,
    minds: Mapping[str, Mind] | None = None,
    prompts: PromptLibrary | None = None,
    backoff_s: float | None = None,
    backends: BackendOptions | None = None,
    on_round_finished: Callable[[int, float], None] | None = None,
    control: RunControl | None = None,
    direct_turns: bool = False,
    durable: bool | None = None,
) -> RunResult:
    """Play `scenario` to its end. `minds` (agent id -> Mind) overrides the scenario's models.
    `backends` sets record/replay, fault injection and a price table for the models;
    `backoff_s` overrides every model's backoff_s (tests use 0). Every round is checkpointed
    in the run folder; `control` can stop the run at a round boundary (`society resume`
    goes on from there). `durable` forces each round's transcript to the disk before its
    checkpoint (survives a machine crash, not only a killed process); default: on when any
    agent has an LLM mind (see `wants_durability`). Every agent's turn goes through its
    compiled LangGraph agent graph; `direct_turns=True` calls the same nodes in the same
    order without the graph runtime (same transcript, less CPU per turn; see `AgentTurns`
    and BENCHMARKS.md)."""
    agents = agents_of(scenario)
    minds, run_backends = prepare_minds(
        scenario, prompts, chat_model_factory, minds, backoff_s=backoff_s, backends=backends
    )
    try:
        run_id = run_id_for(scenario)
        run_dir = new_run_dir(Path(out), run_id)
        if control is not None:
            control.run_dir = run_dir
        with RunLock(run_dir):
            resolved = scenario.model_dump(mode="json")
            write_resolved_scenario(run_dir, resolved)
            durably = wants_durability(minds) if durable is None else durable
            with (
                TranscriptWriter(run_dir, run_id, durable=durably) as writer,
                RoundLog(run_dir, create=True) as log,
            ):
                log.save_options({**backend_options_record(backends), "durable": durably})
                writer.write(
                    RunStarted(
                        round=0,
                        scenario_name=scenario.name,
                        seed=scenario.seed,
                        scenario=resolved,
                        scenario_sha256=scenario_digest(scenario),
                        agents=[
                            AgentInfo(
                                id=a.id, group=a.group, persona=a.persona, model=minds[a.id].label
                            )
                            for a in agents
                        ],
                        society_version=__version__,
                    )
                )
                memory = journaled(open_run_memory(scenario, run_dir, minds))
                parts = RunParts(
                    scenario,
                    agents,
                    minds,
                    writer,
                    log,
                    memory,
                    run_backends,
                    on_round_finished,
                    direct_turns=direct_turns,
                )
                try:
                    mark_round(parts, 0, None)
                    finished = await play_rounds(
                        parts,
                        start=game_of(scenario).initial_state(scenario, agents),
                        control=control,
                    )
                finally:
                    if memory is not None:
                        memory.close()
    finally:
        if run_backends is not None:
            run_backends.close()
    return finish_run(run_dir, run_id, finished)


def backend_options_record(options: BackendOptions | None) -> dict[str, Any]:
    """The options a resume reuses unless told otherwise (kept in the round log)."""
    options = options or BackendOptions()
    return {
        "record": str(options.record) if options.record else None,
        "replay": str(options.replay) if options.replay else None,
        "faults": asdict(options.faults) if options.faults else None,
    }


def finish_run(run_dir: Path, run_id: str, finished: bool) -> RunResult:
    """Metrics of a run that ended (none yet for one stopped at a round boundary)."""
    events = list(read_events(run_dir))
    metrics, extra = run_metrics_document(events)
    if finished:
        write_metrics(run_dir, metrics, extra)
    game = events[0].scenario.get("game", "commons")  # type: ignore[attr-defined]
    return RunResult(run_dir, run_id, metrics, finished=finished, game=game)


def run_society_sync(scenario: Scenario, out: Path, **options: Any) -> RunResult:
    """`run_society` in a fresh event loop, with the collector tuned for a run."""
    with tuned_gc():
        return asyncio.run(run_society(scenario, out, **options))
