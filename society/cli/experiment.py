"""`society experiment`: run a grid of cells × seeds, then tables, ANOVA, plots and a summary."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from society.cli.app import app, err_console, fail, out_console, user_errors

if TYPE_CHECKING:
    from society.experiments.analysis import Analysis

ANALYSIS_LIBS = ("matplotlib", "pyarrow", "scipy")


@app.command()
def experiment(
    file: Annotated[Path, typer.Argument(help="Experiment YAML file.", show_default=False)],
    out: Annotated[
        Path | None,
        typer.Option(help="Output folder (runs, results, summary.md). Default: runs/<name>."),
    ] = None,
    workers: Annotated[int, typer.Option(min=1, help="Runs in parallel.")] = 2,
    executor: Annotated[
        str,
        typer.Option(help="'local' (processes on this machine) or 'ray' (needs the ray extra)."),
    ] = "local",
    ray_address: Annotated[
        str | None,
        typer.Option(help="With --executor ray: a cluster address (default: start Ray locally)."),
    ] = None,
    retries: Annotated[
        int, typer.Option(min=0, help="Retries of a failed run before it is reported as failed.")
    ] = 1,
    record: Annotated[
        Path | None, typer.Option(help="Store every model call's reply in this folder.")
    ] = None,
    replay: Annotated[
        Path | None,
        typer.Option(help="Answer every model call from a folder filled by --record (no network)."),
    ] = None,
    plots: Annotated[bool, typer.Option(help="Draw the plots (PNG and SVG).")] = True,
    quiet: Annotated[bool, typer.Option(help="No progress bar.")] = False,
) -> None:
    """Run every cell × seed of an experiment file, skipping runs already finished in the output
    folder, then write per-cell tables with 95% CIs, the two-way ANOVA, a model comparison,
    CSV/Parquet of per-run and per-round data, plots and summary.md."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    from society.experiments import ExecutorError, load_experiment, make_executor, run_experiment
    from society.experiments.analysis import analyse
    from society.experiments.runner import ExperimentRun
    from society.experiments.runner import Progress as Step
    from society.experiments.spec import scenario_notes
    from society.experiments.summary import command_line, write_summary

    missing = [name for name in ANALYSIS_LIBS if not _importable(name)]
    try:
        if missing:
            raise ExecutorError(
                f"society experiment needs {', '.join(missing)}: pip install -e '.[analysis]'"
            )
        if record is not None and replay is not None:
            raise ExecutorError("use either --record or --replay, not both")
        spec = load_experiment(file)
        runner = make_executor(executor, workers, ray_address)
    except (*user_errors(), ExecutorError) as error:
        raise fail(error) from None
    folder = out or Path("runs") / spec.name
    from society.experiments.rule_blind import rule_blind_warnings

    for warning in rule_blind_warnings(spec):
        err_console.print(f"[yellow]warning:[/] {escape(warning)}", highlight=False, soft_wrap=True)
    err_console.print(
        f"Experiment {spec.name}: {len(spec.cells)} cells × {len(spec.seeds)} seeds "
        f"= {len(spec.cells) * len(spec.seeds)} runs on {runner.label}; output {folder}",
        highlight=False,
        soft_wrap=True,
    )
    for note in scenario_notes(spec):
        err_console.print(f"note: {note}", highlight=False, soft_wrap=True)
    start = time.perf_counter()
    with Progress(
        TextColumn("runs"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[status]}"),
        TimeElapsedColumn(),
        console=err_console,
        disable=quiet,
    ) as progress:
        task = progress.add_task("runs", total=None, status="")
        counts = {"failed": 0, "retrying": 0}

        def planned(state: ExperimentRun) -> None:
            progress.update(task, total=len(state.jobs) - len(state.skipped))
            if state.skipped:
                err_console.print(f"{len(state.skipped)} runs already finished: skipped")
            for job in state.resumed:
                err_console.print(
                    f"interrupted run, resuming from its last completed round: {job.run_dir}",
                    highlight=False,
                    soft_wrap=True,
                )

        def advanced(update: Step) -> None:
            outcome = update.outcome
            if outcome.note:
                err_console.print(
                    f"run {outcome.job.run_id}: {escape(outcome.note)}",
                    highlight=False,
                    soft_wrap=True,
                )
            if not outcome.ok:
                verb = "will retry" if update.will_retry else "FAILED"
                err_console.print(
                    f"run {outcome.job.run_id} (attempt {outcome.job.attempt}) {verb}: "
                    f"{escape(outcome.error or '')}",
                    highlight=False,
                    soft_wrap=True,
                )
                counts["retrying" if update.will_retry else "failed"] += 1
            if outcome.ok or not update.will_retry:
                progress.advance(task)
            progress.update(task, status=f"failed {counts['failed']}" if counts["failed"] else "")

        try:
            state = run_experiment(
                spec,
                folder,
                runner,
                retries=retries,
                record=record,
                replay=replay,
                on_planned=planned,
                on_progress=advanced,
            )
        except ExecutorError as error:
            raise fail(error) from None
        except KeyboardInterrupt:
            err_console.print(
                "interrupted; finished runs are kept, run the same command to do the rest (runs under way resume from their last completed round)"
            )
            raise typer.Exit(130) from None
    wall = time.perf_counter() - start
    result = analyse(spec, state.jobs, folder, plots=plots)
    summary = write_summary(spec, state, result, folder, command_line(), runner.label, wall)
    _print_cells(result)
    _print_pair_tables(result)
    for table in result.anovas:
        if table.response != "survival_time":
            continue
        subset = ", ".join(f"{k}={v}" for k, v in table.subset.items()) or "all runs"
        effects = "; ".join(
            f"{row.source}: F={'–' if row.f is None else f'{row.f:.2f}'} p{_p(row.p)}"
            for row in table.rows
            if row.source != "residual"
        )
        out_console.print(
            f"ANOVA survival time ({subset}): {effects}", markup=False, highlight=False
        )
    out_console.print(
        f"{len(state.succeeded)} runs done, {len(state.skipped)} skipped, "
        f"{len(state.failed)} failed in {wall:.1f} s; summary: {summary}",
        highlight=False,
        soft_wrap=True,
    )
    if state.failed:
        raise typer.Exit(1)


def _importable(name: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(name) is not None


def _p(p: float | None) -> str:
    from society.experiments.anova import fmt_p

    text = fmt_p(p)
    return text.replace(" ", "") if text.startswith("<") else f"={text}"


def _print_pair_tables(result: Analysis) -> None:
    """A pairwise game's round-robin tables (label against label), per cell."""
    from rich.table import Table

    for found in result.pair_tables:
        table = Table(title=found.title)
        for index, heading in enumerate(found.headers):
            table.add_column(heading, justify="left" if index == 0 else "right")
        for row in found.rows:
            table.add_row(*row)
        out_console.print(table)


def _print_cells(result: Analysis) -> None:
    from rich.table import Table

    from society.experiments.tables import fmt

    shown = list(result.printed)
    # The game's first response is shown with its CI (the commons: survival time).
    headline = result.responses[0] if result.responses else None
    heading = next((h for c, h, _ in result.columns if c == headline), None)
    table = Table(
        title=f"Per cell: mean ({heading} with its 95% CI)" if heading else "Per cell: mean"
    )
    factors = list(result.data.factors) or ["cell"]
    for factor in factors:
        table.add_column(factor)
    table.add_column("n", justify="right")
    for _, heading, _ in shown:
        table.add_column(heading, justify="right")
    for cell in result.cells:
        table.add_row(
            *(cell.labels.get(f, cell.key) for f in factors),
            str(cell.n),
            # Means only, but survival time with its CI: the full table is in summary.md.
            *(
                fmt(cell.estimates[column], percent, ci=column == headline)
                for column, _, percent in shown
            ),
        )
    out_console.print(table)
