"""Run one society: set up the run folder, minds and graphs, play the rounds, write metrics."""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import yaml

from memory import EpisodicMemory
from society import __version__
from society.agents.mind import Mind
from society.analysis.metrics_file import compute_run_metrics, write_metrics
from society.backends.resolve import ChatModelFactory, build_mind, init_chat_model_factory
from society.backends.stack import BackendOptions, RunBackends
from society.checkpoint.lock import RunLock
from society.checkpoint.rounds import RoundLog
from society.coordinator.gc_tuning import tuned_gc
from society.coordinator.session import (
    RunControl,
    RunParts,
    journaled,
    mark_round,
    play_rounds,
)
from society.core.registry import game_of
from society.prompts import PromptLibrary
from society.scenario.schema import Scenario
from society.transcript.events import AgentInfo, RunStarted
from society.transcript.reader import read_events
from society.transcript.writer import TranscriptWriter

SCENARIO_FILE = "scenario.yaml"


@dataclass(frozen=True)
class AgentSpec:
    id: str
    group: str
    persona: str
    model: str
    joins_at: int = 1


@dataclass(frozen=True)
class RunResult:
    run_dir: Path
    run_id: str
    metrics: Any  # the game's metrics model
    finished: bool = True  # False: stopped at a round boundary, to be resumed
    game: str = "commons"


def scenario_digest(scenario: Scenario) -> str:
    canonical = json.dumps(scenario.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def run_id_for(scenario: Scenario) -> str:
    return f"{scenario.name}-s{scenario.seed}-{scenario_digest(scenario)[:8]}"


def agents_of(scenario: Scenario) -> list[AgentSpec]:
    """Every agent of the run, as its game lists them (`Game.agents`)."""
    return list(game_of(scenario).agents(scenario))


def population_agents(scenario: Scenario) -> list[AgentSpec]:
    """Each group's `count` agents, named '<group>-<n>' (the default `Game.agents`)."""
    agents = []
    for group in scenario.population:
        width = len(str(group.count))
        for index in range(1, group.count + 1):
            agents.append(
                AgentSpec(
                    f"{group.name}-{index:0{width}d}",
                    group.name,
                    group.persona,
                    scenario.model_for(group).name,
                    group.joins_at,
                )
            )
    return agents


def new_run_dir(out: Path, run_id: str) -> Path:
    """`out/run_id`, or `out/run_id-2`, `-3`... if taken: an earlier run is never overwritten."""
    out.mkdir(parents=True, exist_ok=True)
    candidate, n = out / run_id, 1
    while True:
        try:
            candidate.mkdir()
            return candidate
        except FileExistsError:
            n += 1
            candidate = out / f"{run_id}-{n}"


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
    direct_rule_turns: bool = True,
    durable: bool | None = None,
) -> RunResult:
    """Play `scenario` to its end. `minds` (agent id -> Mind) overrides the scenario's models.
    `backends` sets record/replay, fault injection and a price table for the models;
    `backoff_s` overrides every model's backoff_s (tests use 0). Every round is checkpointed
    in the run folder; `control` can stop the run at a round boundary (`society resume`
    goes on from there). `durable` forces each round's transcript to the disk before its
    checkpoint (survives a machine crash, not only a killed process); default: on when any
    agent has an LLM mind (see `wants_durability`). `direct_rule_turns=False` sends rule
    minds' turns through the LangGraph agent graph too (same transcript, slower; see
    `AgentTurns`)."""
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
            (run_dir / SCENARIO_FILE).write_text(
                yaml.safe_dump(resolved, sort_keys=False, allow_unicode=True), encoding="utf-8"
            )
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
                    direct_rule_turns=direct_rule_turns,
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


def wants_durability(minds: Mapping[str, Mind]) -> bool:
    """Disk flushes per round by default only for runs with LLM minds: their rounds cost money
    and hours. A rule round is cheaper to redo than to flush (BENCHMARKS.md measures it), and
    without the flush a checkpoint still survives a killed process."""
    return any(mind.source != "rules" for mind in minds.values())


def prepare_minds(
    scenario: Scenario,
    prompts: PromptLibrary | None,
    chat_model_factory: ChatModelFactory,
    minds: Mapping[str, Mind] | None,
    *,
    backoff_s: float | None = None,
    backends: BackendOptions | None = None,
) -> tuple[dict[str, Mind], RunBackends | None]:
    """The run's minds and the backends they share (None when `minds` are given)."""
    if minds is not None:
        return dict(minds), None
    options = backends or BackendOptions()
    if backoff_s is not None:
        options = replace(options, backoff_s=backoff_s)
    run_backends = RunBackends(scenario.llm, options)
    try:
        built = build_minds(
            scenario, prompts or PromptLibrary(), chat_model_factory, run=run_backends
        )
    except BaseException:
        run_backends.close()
        raise
    return built, run_backends


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
    metrics = compute_run_metrics(events)
    if finished:
        write_metrics(run_dir, metrics)
    game = events[0].scenario.get("game", "commons")  # type: ignore[attr-defined]
    return RunResult(run_dir, run_id, metrics, finished=finished, game=game)


def open_run_memory(
    scenario: Scenario, run_dir: Path, minds: Mapping[str, Mind]
) -> EpisodicMemory | None:
    """The run's episodic memory (None when the scenario turns memory off): embedded Chroma in
    `run_dir/memory`, a Chroma server (memory.url), or in memory (rule-only runs by default,
    or memory.store: in_memory). The collection is named after the run folder."""
    if not scenario.memory.enabled:
        return None
    rule_only = all(mind.source == "rules" for mind in minds.values())
    return scenario.memory.open(collection=run_dir.name, run_dir=run_dir, rule_only=rule_only)


def run_society_sync(scenario: Scenario, out: Path, **options: Any) -> RunResult:
    """`run_society` in a fresh event loop, with the collector tuned for a run."""
    with tuned_gc():
        return asyncio.run(run_society(scenario, out, **options))


def build_minds(
    scenario: Scenario,
    prompts: PromptLibrary | None = None,
    factory: ChatModelFactory = init_chat_model_factory,
    *,
    backoff_s: float | None = None,
    run: RunBackends | None = None,
) -> dict[str, Mind]:
    """One mind per distinct model spec, shared by the agents of the groups that name it.
    All of them share `run` (made here if not given): one concurrency cap per server, the
    run's budget, the record/replay store."""
    prompts = prompts or PromptLibrary()
    agents = agents_of(scenario)
    if run is None:
        run = RunBackends(scenario.llm, BackendOptions(backoff_s=backoff_s))
    groups = {group.name: group for group in scenario.population}
    specs = {agent.id: scenario.model_for(groups[agent.group]) for agent in agents}
    for spec in specs.values():
        if not spec.is_rules:
            run.reserve_cap(spec)
    by_spec: dict[str, Mind] = {}
    minds: dict[str, Mind] = {}
    for agent in agents:
        spec = specs[agent.id]
        key = spec.model_dump_json()
        if key not in by_spec:
            by_spec[key] = build_mind(spec, prompts, scenario.llm, factory, run=run)
        minds[agent.id] = by_spec[key]
    return minds
