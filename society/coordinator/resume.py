"""Resume an interrupted run from its last completed round (`society resume RUN_DIR`).

Whatever stopped the run (Ctrl-C, `kill -9`, a machine restart, a spent budget, a model
backend that stayed down), the run folder holds a checkpoint per completed round. Resuming:

1. locks the folder (one writer at a time);
2. checks the scenario: `scenario.yaml` must still be the one in `run_started` (else refuse,
   naming what differs, unless forced); a new budget may be given;
3. cuts the transcript back to the last completed round (the unfinished round's events and a
   line cut short go to `events.discarded.jsonl`);
4. restores what the round log kept: the budget's usage, the record/replay counters, the
   in-memory store's items (a Chroma store drops the items of the unfinished round);
5. plays on from LangGraph's checkpoint of that round, checkpointing every round again.

With the same scenario, seed and model replies, the finished run's `events.jsonl` and
`metrics.json` are byte-identical to those of a run that was never interrupted.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from memory import EpisodicMemory
from society.agents.mind import Mind
from society.analysis.metrics_file import METRICS_FILE
from society.backends.faults import FaultRates
from society.backends.resolve import ChatModelFactory, init_chat_model_factory
from society.backends.stack import BackendOptions, RunBackends
from society.checkpoint.differences import differences, summary
from society.checkpoint.journal import JournaledMemory
from society.checkpoint.lock import RunLock
from society.checkpoint.rewind import Rewind, TranscriptMismatch, rewind_transcript
from society.checkpoint.rounds import CHECKPOINT_FILE, GRAPH_THREAD, RoundLog, RoundMark
from society.coordinator.minds import prepare_minds, wants_durability
from society.coordinator.run_folder import SCENARIO_FILE
from society.coordinator.run_memory import open_run_memory
from society.coordinator.runner import RunResult, finish_run
from society.coordinator.session import RunControl, RunParts, journaled, play_rounds
from society.core.agents import agents_of
from society.core.ending import INTERRUPTED
from society.core.registry import game_named, game_of
from society.prompts import PromptLibrary
from society.scenario import ScenarioError, load_scenario
from society.scenario.base import ScenarioBase as Scenario
from society.transcript.events import Event, RunFinished, RunStarted
from society.transcript.reader import TranscriptError, read_events
from society.transcript.writer import EVENTS_FILE, TranscriptWriter

RESUMES_FILE = "resumes.jsonl"  # one line per resume: when, from which round, what was forced


class ResumeError(Exception):
    """The run cannot be resumed as asked; the message says why and what to do."""


@dataclass(frozen=True)
class ResumePoint:
    """Where a resume starts, for the message shown to the user."""

    run_dir: Path
    round: int  # the last completed round
    rounds: int  # the scenario's round limit
    rewind: Rewind
    forced: tuple[str, ...]  # scenario differences accepted with force


async def resume_society(
    run_dir: Path,
    *,
    force: bool = False,
    budget: Mapping[str, float | int | None] | None = None,
    backends: BackendOptions | None = None,
    chat_model_factory: ChatModelFactory = init_chat_model_factory,
    minds: Mapping[str, Mind] | None = None,
    prompts: PromptLibrary | None = None,
    backoff_s: float | None = None,
    on_resumed: Callable[[ResumePoint], None] | None = None,
    on_round_finished: Callable[[int, float], None] | None = None,
    control: RunControl | None = None,
) -> RunResult:
    """Continue the run in `run_dir` from its last completed round. `budget` raises (or sets)
    llm.budget limits; `backends` replaces the record/replay and fault options the run started
    with; `force` goes on although scenario.yaml changed or is missing."""
    run_dir = Path(run_dir)
    _check_folder(run_dir)
    if control is not None:
        control.run_dir = run_dir
    with RunLock(run_dir), RoundLog(run_dir, create=False) as log:
        mark = log.last_mark()
        if mark is None:
            raise ResumeError(
                f"{run_dir}: the run stopped before its first checkpoint; nothing to resume, "
                "start it again with society run"
            )
        if control is not None:
            control.round = mark.round
        started = _run_started(run_dir)
        _refuse_if_finished(run_dir, mark)
        scenario, forced = _scenario(run_dir, started, force)
        scenario = _with_budget(scenario, budget, log)
        options = backends or _saved_options(log)
        agents = agents_of(scenario)
        # Models are set up (failing on a missing key or package) before anything is changed.
        minds, run_backends = prepare_minds(
            scenario, prompts, chat_model_factory, minds, backoff_s=backoff_s, backends=options
        )
        try:
            try:
                rewind = rewind_transcript(run_dir, mark)
            except TranscriptMismatch as error:
                raise ResumeError(str(error)) from None
            log.forget_after(mark.round)
            (run_dir / METRICS_FILE).unlink(missing_ok=True)  # from an interrupted end
            _restore_backends(run_backends, mark, log)
            history = _completed_events(run_dir)
            _note_resume(run_dir, mark, rewind, forced)
            if on_resumed is not None:
                on_resumed(ResumePoint(run_dir, mark.round, scenario.rounds, rewind, forced))
            # A resume keeps the durability the run started with (older runs: the default).
            durable = log.options().get("durable", wants_durability(minds))
            with TranscriptWriter(run_dir, started.run_id, seq=mark.seq, durable=durable) as writer:
                memory = journaled(open_run_memory(scenario, run_dir, minds))
                try:
                    _restore_memory(memory, mark, log)
                    parts = RunParts(
                        scenario,
                        agents,
                        minds,
                        writer,
                        log,
                        memory,
                        run_backends,
                        on_round_finished,
                        history,
                    )
                    if mark.checkpoint_id is None:  # nothing completed: start over
                        log.checkpointer.delete_thread(GRAPH_THREAD)
                        start = game_of(scenario).initial_state(scenario, agents)
                        finished = await play_rounds(parts, start=start, control=control)
                    else:
                        finished = await play_rounds(
                            parts, start=None, checkpoint_id=mark.checkpoint_id, control=control
                        )
                finally:
                    if memory is not None:
                        memory.close()
        finally:
            if run_backends is not None:
                run_backends.close()
    return finish_run(run_dir, started.run_id, finished)


def _check_folder(run_dir: Path) -> None:
    if not (run_dir / EVENTS_FILE).is_file():
        raise ResumeError(f"{run_dir}: no {EVENTS_FILE} here; is this a run folder?")
    if not (run_dir / CHECKPOINT_FILE).is_file():
        raise ResumeError(
            f"{run_dir}: no {CHECKPOINT_FILE}; this run was made without checkpoints (by an "
            "older version of society) and cannot be resumed"
        )


def _run_started(run_dir: Path) -> RunStarted:
    try:
        first = next(iter(read_events(run_dir)), None)
    except TranscriptError as error:
        raise ResumeError(str(error)) from None
    if not isinstance(first, RunStarted):
        raise ResumeError(f"{run_dir / EVENTS_FILE}: the first event is not run_started")
    return first


def _refuse_if_finished(run_dir: Path, mark: RoundMark) -> None:
    """A run that ended by itself (round limit, collapse, deaths) has nothing left to play;
    one that was cut short (budget, abort, backend down) goes on from its last round."""
    if not (run_dir / METRICS_FILE).is_file():
        return
    last: Event | None = None
    for event in read_events(run_dir):
        last = event
    if isinstance(last, RunFinished) and last.end_reason not in INTERRUPTED:
        raise ResumeError(
            f"{run_dir}: the run already finished ({last.end_reason} after round "
            f"{last.rounds_completed}); nothing to resume"
        )


def _scenario(run_dir: Path, started: RunStarted, force: bool) -> tuple[Scenario, tuple[str, ...]]:
    """The scenario to go on with, and the differences accepted with `force`."""
    recorded = started.scenario
    path = run_dir / SCENARIO_FILE
    if not path.is_file():
        if not force:
            raise ResumeError(
                f"{path} is missing; put it back, or resume with --force to use the copy of the "
                f"scenario recorded in {EVENTS_FILE} (run_started)"
            )
        return _validated(recorded), (f"{SCENARIO_FILE}: missing (used the recorded copy)",)
    try:
        scenario = load_scenario(path)
    except ScenarioError as error:
        if not force:
            raise ResumeError(
                f"{path} is no longer a valid scenario ({error.lines[0]}); put the original back, "
                "or resume with --force to use the copy recorded in run_started"
            ) from None
        return _validated(recorded), (f"{SCENARIO_FILE}: invalid (used the recorded copy)",)
    changed = differences(recorded, scenario.model_dump(mode="json"))
    if changed and not force:
        raise ResumeError(
            f"{path} differs from the scenario this run started with: {summary(changed)}. "
            "Put it back, or resume with --force to go on with the changed scenario (the "
            "run is then no longer reproducible from its seed)"
        )
    return scenario, tuple(changed)


def _validated(data: dict[str, Any]) -> Scenario:
    model = game_named(data.get("game")).scenario_type
    return model.model_validate(data, context={"personas": list(data.get("personas", {}))})


def _with_budget(
    scenario: Scenario, budget: Mapping[str, float | int | None] | None, log: RoundLog
) -> Scenario:
    """A budget given now (or at an earlier resume, kept in the round log) replaces the
    scenario's limits one by one."""
    saved: dict[str, Any] = log.options().get("budget") or {}
    given = {k: v for k, v in (budget or {}).items() if v is not None}
    limits = {**saved, **given}
    if given:
        log.save_options({"budget": limits})
    if not limits:
        return scenario
    data = scenario.model_dump(mode="json")
    data["llm"]["budget"] = {**(data["llm"].get("budget") or {}), **limits}
    try:
        return _validated(data)
    except Exception as error:
        raise ResumeError(f"budget: {error}") from None


def _saved_options(log: RoundLog) -> BackendOptions:
    saved = log.options()
    faults = saved.get("faults")
    return BackendOptions(
        record=Path(saved["record"]) if saved.get("record") else None,
        replay=Path(saved["replay"]) if saved.get("replay") else None,
        faults=FaultRates(**faults) if faults else None,
    )


def _restore_backends(run_backends: RunBackends | None, mark: RoundMark, log: RoundLog) -> None:
    if run_backends is None:
        return
    if run_backends.budget is not None and mark.budget is not None:
        used = run_backends.budget.used
        used.calls, used.tokens = mark.budget["calls"], mark.budget["tokens"]
        used.cost = mark.budget["cost"]
    if run_backends.store is not None:
        run_backends.store.restore_ordinals(log.ordinals(mark.round))


def _restore_memory(memory: EpisodicMemory | None, mark: RoundMark, log: RoundLog) -> None:
    if memory is None:
        return
    if isinstance(memory, JournaledMemory):  # in the process: the saved batches, in order
        memory.replay(log.memory_batches(mark.round))
        return
    forget = getattr(memory, "forget_since", None)  # in the run folder or on a server
    if forget is None:
        raise ResumeError(f"memory store {type(memory).__name__} cannot be rewound to a round")
    forget(mark.seq)


def _completed_events(run_dir: Path) -> list[Event]:
    return list(read_events(run_dir))


def _note_resume(run_dir: Path, mark: RoundMark, rewind: Rewind, forced: tuple[str, ...]) -> None:
    note = {
        "at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "from_round": mark.round,
        "discarded_events": rewind.discarded_events,
        "cut_line": rewind.cut_line,
        "forced": list(forced),
    }
    with (run_dir / RESUMES_FILE).open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(note, ensure_ascii=False) + "\n")
