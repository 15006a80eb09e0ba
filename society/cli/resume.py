"""`society resume`: continue a run that stopped (Ctrl-C, kill -9, budget, backend down)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from society.cli.app import app, err_console, fail, user_errors
from society.cli.run import report_end
from society.cli.stopping import STORAGE_ERRORS, how_to_resume, stoppable, storage_message

if TYPE_CHECKING:
    from society.backends.stack import BackendOptions
    from society.coordinator.resume import ResumePoint
    from society.coordinator.runner import RunResult
    from society.coordinator.session import RunControl


@app.command()
def resume(
    run_dir: Annotated[
        Path, typer.Argument(help="The run folder to continue.", show_default=False)
    ],
    force: Annotated[
        bool,
        typer.Option(
            help="Go on although scenario.yaml was changed (or is missing: the copy recorded "
            "in run_started is used). The run is then no longer reproducible from its seed."
        ),
    ] = False,
    max_calls: Annotated[
        int | None, typer.Option(help="Budget: raise (or set) the run's limit on model calls.")
    ] = None,
    max_tokens: Annotated[
        int | None, typer.Option(help="Budget: raise (or set) the run's limit on tokens.")
    ] = None,
    max_cost: Annotated[
        float | None, typer.Option(help="Budget: raise (or set) the run's cost limit.")
    ] = None,
    record: Annotated[
        Path | None,
        typer.Option(help="Store model calls in this folder (default: as the run started)."),
    ] = None,
    replay: Annotated[
        Path | None,
        typer.Option(help="Answer model calls from this folder (default: as the run started)."),
    ] = None,
    quiet: Annotated[bool, typer.Option(help="No progress bar.")] = False,
) -> None:
    """Continue RUN_DIR from its last completed round. The unfinished round's events (and a
    line cut short by a kill) are set aside in events.discarded.jsonl and played again, so
    with the same seed and model replies the finished run is byte-identical to one that was
    never interrupted. Refuses a changed or missing scenario.yaml unless --force."""
    # Imported here, not at the top: `society --help` must not load LangChain or LangGraph.
    from society.backends.base import ReplayMiss
    from society.backends.secrets import redact
    from society.backends.stack import BackendOptions, BackendSetupError
    from society.bounded_io import UnreadableFile
    from society.checkpoint.lock import RunLocked
    from society.coordinator.gc_tuning import tuned_gc
    from society.coordinator.resume import ResumeError
    from society.coordinator.session import RunControl

    control = RunControl()
    control.run_dir = run_dir
    backends = BackendOptions(record=record, replay=replay) if record or replay else None
    budget = {"max_calls": max_calls, "max_tokens": max_tokens, "max_cost": max_cost}
    try:
        with tuned_gc():
            result = asyncio.run(
                stoppable(lambda c: _resume(run_dir, force, budget, backends, quiet, c), control)
            )
    except (
        *user_errors(),
        UnreadableFile,
        ResumeError,
        RunLocked,
        ReplayMiss,
        BackendSetupError,
    ) as error:
        raise fail(RuntimeError(redact(str(error)))) from None
    except (KeyboardInterrupt, asyncio.CancelledError):
        err_console.print(f"stopped during a round: {how_to_resume(control)}", highlight=False)
        raise typer.Exit(130) from None
    except STORAGE_ERRORS as error:
        if isinstance(error, ConnectionError | TimeoutError):
            raise
        raise fail(RuntimeError(storage_message(error, control))) from None
    report_end(result)


def _announce(point: ResumePoint) -> None:
    rewind = point.rewind
    parts = [f"Resuming {point.run_dir} after round {point.round} of {point.rounds}"]
    if rewind.discarded_events:
        parts.append(
            f"{rewind.discarded_events} event(s) of the unfinished round set aside in "
            "events.discarded.jsonl"
        )
    if rewind.cut_line:
        parts.append("a last line cut short by the interruption was repaired")
    err_console.print("; ".join(parts) + ".", highlight=False)
    for line in point.forced:
        err_console.print(f"warning: --force: {line}", highlight=False)


async def _resume(
    run_dir: Path,
    force: bool,
    budget: dict[str, float | int | None],
    backends: BackendOptions | None,
    quiet: bool,
    control: RunControl,
) -> RunResult:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from society.coordinator.resume import resume_society

    if quiet:
        return await resume_society(
            run_dir,
            force=force,
            budget=budget,
            backends=backends,
            control=control,
            on_resumed=_announce,
        )
    columns = (TextColumn("round"), BarColumn(), MofNCompleteColumn())
    # Shown once the resume point is known: a refused resume prints its error alone.
    progress = Progress(*columns, console=err_console, transient=False)
    task = progress.add_task("rounds", total=None)

    def started(point: ResumePoint) -> None:
        _announce(point)
        progress.update(task, total=point.rounds, completed=point.round)
        progress.start()

    def advance(number: int, stock: float) -> None:
        progress.update(task, completed=number)

    try:
        return await resume_society(
            run_dir,
            force=force,
            budget=budget,
            backends=backends,
            control=control,
            on_resumed=started,
            on_round_finished=advance,
        )
    finally:
        progress.stop()
