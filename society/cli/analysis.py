"""`society metrics`, `society inspect` and `society findings`: look at finished runs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from society.cli.app import app, err_console, fail, out_console, user_errors


@app.command()
def metrics(
    run_dir: Annotated[
        Path, typer.Argument(help="A run folder (holding events.jsonl).", show_default=False)
    ],
    write: Annotated[
        bool, typer.Option(help="Also rewrite metrics.json in the run folder.")
    ] = True,
) -> None:
    """Recompute a run's metrics from its events."""
    from society.analysis.metrics_file import run_metrics_document, write_metrics
    from society.cli.metrics_table import print_metrics
    from society.core.registry import game_of_run
    from society.transcript.reader import read_events

    try:
        events = list(read_events(run_dir))
        result, extra = run_metrics_document(events)
        game = game_of_run(events)
    except user_errors() as error:
        raise fail(error) from None
    if write:
        write_metrics(run_dir, result, extra)
    print_metrics(result, game)


@app.command()
def inspect(
    run_dir: Annotated[
        Path, typer.Argument(help="A run folder (holding events.jsonl).", show_default=False)
    ],
    agent: Annotated[str | None, typer.Option(help="Show this agent's decisions.")] = None,
    round: Annotated[
        int | None, typer.Option("--round", help="Only this round, with its governance in detail.")
    ] = None,
    prompts: Annotated[
        bool, typer.Option(help="Also print each model call's messages and raw reply.")
    ] = False,
) -> None:
    """Print the rounds as a table; with --round, that round's norm, proposals and votes,
    inspections, messages, sanctions and learning; with --agent, its decisions and rationales;
    with both, also the memories it recalled for each decision (with scores) and its reflection."""
    from society.core.registry import game_of_run
    from society.transcript.reader import read_events

    try:
        events = list(read_events(run_dir))
        game_of_run(events).inspect(
            out_console, run_dir, events, agent=agent, round=round, prompts=prompts
        )
    except user_errors() as error:
        raise fail(error) from None


@app.command()
def findings(
    runs: Annotated[int, typer.Option(help="Seeded runs per arm.")] = 30,
    rounds: Annotated[int, typer.Option(help="Round limit of every run.")] = 50,
    workers: Annotated[int, typer.Option(help="Parallel processes.")] = 2,
    out: Annotated[
        Path | None,
        typer.Option(help="Keep every run folder here (default: discard); runs kept are reused."),
    ] = None,
) -> None:
    """Reproduce the human findings with rule-based agents: collapse without governance,
    longer survival with monitoring and punishment, and the imitation strength × scarcity
    effect; prints means with 95% confidence intervals over seeded runs. An alias: it runs
    the experiment file scenarios/experiments/paper-findings.yaml with --runs seeds and
    --rounds rounds, then prints the paired effects."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    from society.games.commons.findings import ARMS, report_lines, run_findings, summarise
    from society.scenario import ScenarioError

    total = runs * len(ARMS)
    with Progress(
        TextColumn("runs"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
    ) as progress:
        task = progress.add_task("runs", total=total)
        try:
            outcomes = run_findings(
                runs, rounds, workers, out, on_done=lambda _: progress.advance(task)
            )
        except (ScenarioError, RuntimeError) as error:
            raise fail(error) from None
    for line in report_lines(summarise(outcomes, rounds), rounds):
        out_console.print(line, highlight=False, soft_wrap=True)
