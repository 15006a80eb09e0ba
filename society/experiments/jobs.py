"""One run of an experiment as a picklable job, and the function a worker process calls.

A job carries its scenario as plain data (not a pydantic object), so it travels the same way to
a local process and to a Ray worker; the worker validates it again and runs it through
`run_society`, the same code path as `society run`.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from society.analysis.metrics_file import METRICS_FILE
from society.backends.resolve import ChatModelFactory

# Run folders live here, under the experiment's output folder.
RUNS_DIR = "runs"
# Folders of interrupted or failed attempts are moved here (never deleted).
ASIDE_DIR = ".aside"


@dataclass(frozen=True)
class Job:
    cell: str
    levels: dict[str, str]
    seed: int
    run_id: str
    scenario: dict[str, Any]  # Scenario.model_dump(mode="json")
    runs_dir: str
    record: str | None = None
    replay: str | None = None
    attempt: int = 1
    resume: bool = False  # an interrupted folder is there: go on from its last checkpoint

    @property
    def run_dir(self) -> Path:
        return Path(self.runs_dir) / self.run_id


@dataclass(frozen=True)
class JobOutcome:
    job: Job
    ok: bool
    error: str | None = None
    details: str | None = None  # the traceback of a failure, for the report
    metrics: dict[str, Any] = field(default_factory=dict)
    note: str | None = None  # what the user should know of a run that succeeded


JobRunner = Callable[[Job], JobOutcome]


def is_finished(run_dir: Path) -> bool:
    """metrics.json is written after the last event, so its presence means the run ended."""
    return (run_dir / METRICS_FILE).is_file()


def run_job(job: Job, chat_model_factory: ChatModelFactory | None = None) -> JobOutcome:
    """Run one job to its end. Never raises: a failure comes back as an outcome, so one bad
    run cannot stop the others (and exceptions that do not pickle cannot break the pool)."""
    from society.backends.secrets import redact
    from society.backends.stack import BackendOptions
    from society.coordinator.runner import run_society_sync

    try:
        from society.core.registry import game_named

        model = game_named(job.scenario.get("game")).scenario_type
        scenario = model.model_validate(
            job.scenario, context={"personas": list(job.scenario.get("personas") or {})}
        )
        options = BackendOptions(
            record=Path(job.record) if job.record else None,
            replay=Path(job.replay) if job.replay else None,
        )
        extra: dict[str, Any] = {}
        if chat_model_factory is not None:
            extra["chat_model_factory"] = chat_model_factory
        result, note = _resumed(job, options, extra) if job.resume else (None, None)
        if result is None:
            result = run_society_sync(scenario, Path(job.runs_dir), backends=options, **extra)
        if result.run_dir.name != job.run_id:
            raise RuntimeError(
                f"the run was written to {result.run_dir.name}, not {job.run_id}: "
                "another process is writing into the same experiment folder"
            )
        return JobOutcome(job, True, metrics=result.metrics.model_dump(mode="json"), note=note)
    except Exception as error:
        # Provider errors may quote request headers: never keep a key.
        return JobOutcome(
            job,
            False,
            error=redact(f"{type(error).__name__}: {error}"),
            details=redact(traceback.format_exc()),
        )


def _resumed(job: Job, options: Any, extra: dict[str, Any]) -> tuple[Any, str | None]:
    """Continue an interrupted run from its last completed round (the finished transcript is
    byte-identical to an uninterrupted run's). A folder that cannot be resumed (killed before
    its first checkpoint, say) is moved aside and no result returned, with a note saying so:
    the run starts afresh."""
    import asyncio

    from society.bounded_io import UnreadableFile
    from society.coordinator.gc_tuning import tuned_gc
    from society.coordinator.resume import ResumeError, resume_society

    try:
        with tuned_gc():
            return asyncio.run(resume_society(job.run_dir, backends=options, **extra)), None
    # UnreadableFile: killed while its checkpoint database was being created (no tables yet).
    except (ResumeError, UnreadableFile) as error:
        aside = move_aside(job.run_dir, "unresumable")
        return None, f"could not resume ({error}); moved to {aside} and run from the start"


def move_aside(run_dir: Path, why: str) -> Path | None:
    """Move an unfinished run folder out of the way so a rerun gets the same folder name;
    returns where it went (None if there was nothing)."""
    if not run_dir.exists():
        return None
    aside = run_dir.parent / ASIDE_DIR
    aside.mkdir(exist_ok=True)
    n = 1
    while (target := aside / f"{run_dir.name}.{why}-{n}").exists():
        n += 1
    run_dir.rename(target)
    return target
