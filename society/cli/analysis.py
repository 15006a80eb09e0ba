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
    from society.analysis.metrics import compute_metrics, write_metrics
    from society.cli.metrics_table import print_metrics
    from society.transcript.reader import read_events

    try:
        result = compute_metrics(list(read_events(run_dir)))
    except user_errors() as error:
        raise fail(error) from None
    if write:
        write_metrics(run_dir, result)
    print_metrics(result)


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
    from society.analysis.rounds import agent_turns, governance
    from society.inspect_view import (
        exclusions,
        print_calls,
        print_governance,
        print_memories,
        print_rounds,
        print_turns,
    )
    from society.transcript.reader import TranscriptError, read_events, read_timings

    try:
        events = list(read_events(run_dir))
    except user_errors() as error:
        raise fail(error) from None
    if agent is None:
        # The table of rounds (only the round asked for, with --round); --agent shows the
        # agent's decisions alone.
        print_rounds(out_console, run_dir, events, round)
    excluded = exclusions(events)
    if round is not None:
        print_governance(out_console, governance(events, round), excluded.get(round, []))
    if agent is None and round is None:
        return
    turns = agent_turns(events, agent, round)
    shut_out = [
        (number, name)
        for number, names in sorted(excluded.items())
        for name in names
        if (round is None or number == round) and (agent is None or name == agent)
    ]
    if agent is not None and not turns and not shut_out:
        raise fail(TranscriptError(f"no decisions by agent {agent!r} in {run_dir}"))
    print_turns(out_console, turns, shut_out)
    if agent is not None and round is not None:
        print_memories(out_console, events, agent, round)
    if prompts:
        print_calls(out_console, turns, read_timings(run_dir))


@app.command()
def findings(
    runs: Annotated[int, typer.Option(help="Seeded runs per arm.")] = 30,
    rounds: Annotated[int, typer.Option(help="Round limit of every run.")] = 50,
    workers: Annotated[int, typer.Option(help="Parallel processes.")] = 2,
    out: Annotated[
        Path | None, typer.Option(help="Keep every run folder here (default: discard).")
    ] = None,
) -> None:
    """Reproduce the human findings with rule-based agents: collapse without governance,
    longer survival with monitoring and punishment, and the imitation strength × scarcity
    effect; prints means with 95% confidence intervals over seeded runs."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    from society.analysis.findings import ARMS, report_lines, run_findings, summarise

    total = runs * len(ARMS)
    with Progress(
        TextColumn("runs"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
    ) as progress:
        task = progress.add_task("runs", total=total)
        outcomes = run_findings(
            runs, rounds, workers, out, on_done=lambda _: progress.advance(task)
        )
    for line in report_lines(summarise(outcomes, rounds), rounds):
        out_console.print(line, highlight=False, soft_wrap=True)
