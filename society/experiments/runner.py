"""Run every cell × seed of an experiment: skip finished runs, retry failed ones.

Output folder:

    OUT/experiment.yaml        the experiment file as given
    OUT/runs/<run-id>/         one folder per run (scenario.yaml, events.jsonl, metrics.json)
    OUT/runs/.aside/           failed attempts (and folders too early to resume), moved away
                               before a rerun

A run counts as finished when its folder holds metrics.json (written last); an interrupted
run (a killed experiment) is resumed from its last completed round, as `society resume` does. Run ids carry a
digest of the resolved scenario, so editing a cell gives new runs instead of reusing old ones.
"""

from __future__ import annotations

import functools
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from society.backends.resolve import ChatModelFactory
from society.coordinator.runner import run_id_for
from society.experiments.executors import Executor
from society.experiments.jobs import (
    RUNS_DIR,
    Job,
    JobOutcome,
    JobRunner,
    is_finished,
    move_aside,
    run_job,
)
from society.experiments.spec import Experiment

EXPERIMENT_FILE = "experiment.yaml"


@dataclass(frozen=True)
class Progress:
    """What a progress display is told after each attempt."""

    outcome: JobOutcome
    will_retry: bool


@dataclass
class ExperimentRun:
    jobs: list[Job]  # every cell × seed, in grid order
    skipped: list[Job] = field(default_factory=list)  # already finished before this call
    ran: list[JobOutcome] = field(default_factory=list)  # every attempt made by this call
    failed: list[JobOutcome] = field(default_factory=list)  # still failing after the retries
    moved_aside: list[Path] = field(default_factory=list)
    resumed: list[Job] = field(default_factory=list)  # interrupted runs continued, not redone

    @property
    def succeeded(self) -> list[JobOutcome]:
        return [o for o in self.ran if o.ok]


def plan_jobs(
    experiment: Experiment, out: Path, record: Path | None = None, replay: Path | None = None
) -> list[Job]:
    runs_dir = out / RUNS_DIR
    return [
        Job(
            cell=cell.name,
            levels=cell.levels,
            seed=scenario.seed,
            run_id=run_id_for(scenario),
            scenario=scenario.model_dump(mode="json"),
            runs_dir=str(runs_dir),
            record=str(record) if record else None,
            replay=str(replay) if replay else None,
        )
        for cell, scenario in experiment.runs()
    ]


def run_experiment(
    experiment: Experiment,
    out: Path,
    executor: Executor,
    *,
    retries: int = 1,
    record: Path | None = None,
    replay: Path | None = None,
    chat_model_factory: ChatModelFactory | None = None,
    runner: JobRunner | None = None,
    on_planned: Callable[[ExperimentRun], None] | None = None,
    on_progress: Callable[[Progress], None] | None = None,
) -> ExperimentRun:
    """Run what is missing. `runner` replaces the job function (tests); it must be picklable
    for process executors."""
    out.mkdir(parents=True, exist_ok=True)
    _keep_experiment_file(experiment, out)
    jobs = plan_jobs(experiment, out, record, replay)
    state = ExperimentRun(jobs)
    todo = []
    for job in jobs:
        if is_finished(job.run_dir):
            state.skipped.append(job)
            continue
        if job.run_dir.exists():
            # An interrupted run: resumed from its last completed round (see `run_job`).
            job = replace(job, resume=True)
            state.resumed.append(job)
        todo.append(job)
    if on_planned is not None:
        on_planned(state)
    work = runner or functools.partial(run_job, chat_model_factory=chat_model_factory)
    for attempt in range(1, retries + 2):
        again = []
        for outcome in executor.run(work, todo):
            state.ran.append(outcome)
            retry = not outcome.ok and attempt <= retries
            if not outcome.ok:
                aside = move_aside(outcome.job.run_dir, f"failed-attempt{attempt}")
                if aside is not None:
                    state.moved_aside.append(aside)
                if retry:
                    again.append(_next_attempt(outcome.job))
                else:
                    state.failed.append(outcome)
            if on_progress is not None:
                on_progress(Progress(outcome, retry))
        if not again:
            break
        todo = again
    return state


def _next_attempt(job: Job) -> Job:
    return replace(job, attempt=job.attempt + 1, resume=False)


def _keep_experiment_file(experiment: Experiment, out: Path) -> None:
    target = out / EXPERIMENT_FILE
    if experiment.source.resolve() != target.resolve():
        shutil.copyfile(experiment.source, target)
