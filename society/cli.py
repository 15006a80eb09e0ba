"""The `society` command line."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from society.analysis.metrics import MetricsError, RunMetrics, compute_metrics, write_metrics
from society.analysis.rounds import agent_turns, round_summaries
from society.backends.resolve import BackendError
from society.coordinator.runner import RunResult, build_minds, run_society
from society.prompts import PromptError
from society.scenario import Scenario, ScenarioError, load_scenario
from society.transcript.reader import TranscriptError, read_events, read_timings

app = typer.Typer(
    name="society",
    help="Simulate societies of LLM agents that share and govern a common-pool resource.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
# Piped output gets wide lines rather than wrapped table cells.
out_console = Console(width=None if sys.stdout.isatty() else 160)
err_console = Console(stderr=True, width=None if sys.stderr.isatty() else 160)

USER_ERRORS = (ScenarioError, BackendError, TranscriptError, PromptError, MetricsError)


def _fail(error: Exception) -> typer.Exit:
    lines = error.lines if isinstance(error, ScenarioError) else [str(error)]
    for line in lines:
        err_console.print(f"[bold red]error:[/] {escape(line)}", highlight=False, soft_wrap=True)
    return typer.Exit(2)


@app.command()
def run(
    scenario_file: Annotated[Path, typer.Argument(help="Scenario YAML file.", show_default=False)],
    model: Annotated[
        str | None,
        typer.Option(
            help="Model for every agent: 'rules' (no LLM) or an init_chat_model name such as "
            "'openai:gpt-4o-mini'. Default: the models named in the scenario (rules if none)."
        ),
    ] = None,
    base_url: Annotated[
        str | None, typer.Option(help="Base URL of an OpenAI-compatible server, with --model.")
    ] = None,
    seed: Annotated[int | None, typer.Option(help="Override the scenario's seed.")] = None,
    rounds: Annotated[int | None, typer.Option(help="Override the scenario's round limit.")] = None,
    out: Annotated[Path, typer.Option(help="Parent folder of run folders.")] = Path("runs"),
    quiet: Annotated[bool, typer.Option(help="No progress bar.")] = False,
) -> None:
    """Run one society and write runs/<run-id>/ (events.jsonl, scenario.yaml, metrics.json)."""
    overrides: dict[str, Any] = {}
    if seed is not None:
        overrides["seed"] = seed
    if rounds is not None:
        overrides["rounds"] = rounds
    try:
        scenario = load_scenario(scenario_file, overrides)
        if base_url is not None and model is None:
            raise BackendError("--base-url needs --model (e.g. --model openai:my-model)")
        if model is not None:
            scenario = _with_model(scenario, model, base_url)
        _announce_models(scenario)
        result = asyncio.run(_run_with_progress(scenario, out, quiet))
    except USER_ERRORS as error:
        raise _fail(error) from None
    except KeyboardInterrupt:
        err_console.print("interrupted; events written so far are kept in the run folder")
        raise typer.Exit(130) from None
    _print_metrics(result.metrics)
    out_console.print(f"run folder: {result.run_dir}")


def _with_model(scenario: Scenario, model: str, base_url: str | None) -> Scenario:
    data = scenario.model_dump(mode="json")
    data["model"] = {"name": model, "base_url": base_url}
    for group in data["population"]:
        group["model"] = None
    return Scenario.model_validate(data, context={"personas": list(data["personas"])})


def _announce_models(scenario: Scenario) -> None:
    names = sorted({scenario.model_for(group).name for group in scenario.population})
    if names == ["rules"]:
        err_console.print(
            "Running without an LLM: rule-based agents (model 'rules').", highlight=False
        )
    else:
        err_console.print(f"Models: {', '.join(names)}", highlight=False)


async def _run_with_progress(scenario: Scenario, out: Path, quiet: bool) -> RunResult:
    minds = build_minds(scenario)  # fails fast on a missing provider, before any output
    if quiet:
        return await run_society(scenario, out, minds=minds)
    columns = (
        TextColumn("round"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("stock {task.fields[stock]}"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=err_console, transient=False) as progress:
        task = progress.add_task(
            "rounds", total=scenario.rounds, stock=f"{scenario.commons.start_stock:.1f}"
        )

        def advance(number: int, stock: float) -> None:
            progress.update(task, completed=number, stock=f"{stock:.1f}")

        return await run_society(scenario, out, minds=minds, on_round_finished=advance)


@app.command()
def validate(
    files: Annotated[list[Path], typer.Argument(help="Scenario YAML files.", show_default=False)],
) -> None:
    """Check scenario files; print one line per problem (file:line: field: message)."""
    failed = False
    for path in files:
        try:
            scenario = load_scenario(path)
        except ScenarioError as error:
            failed = True
            for line in error.lines:
                err_console.print(
                    f"[bold red]error:[/] {escape(line)}", highlight=False, soft_wrap=True
                )
            continue
        out_console.print(
            f"ok: {path} ({scenario.name}, {scenario.agent_count} agents, {scenario.rounds} rounds)",
            highlight=False,
            soft_wrap=True,
        )
    if failed:
        raise typer.Exit(2)


@app.command()
def schema(
    out: Annotated[
        Path | None, typer.Option(help="Write to this file instead of standard output.")
    ] = None,
) -> None:
    """Print the JSON Schema of scenario files (for editor completion and checking)."""
    text = json.dumps(Scenario.model_json_schema(), indent=2) + "\n"
    if out is None:
        sys.stdout.write(text)
    else:
        out.write_text(text, encoding="utf-8")


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
    try:
        result = compute_metrics(list(read_events(run_dir)))
    except USER_ERRORS as error:
        raise _fail(error) from None
    if write:
        write_metrics(run_dir, result)
    _print_metrics(result)


@app.command()
def inspect(
    run_dir: Annotated[
        Path, typer.Argument(help="A run folder (holding events.jsonl).", show_default=False)
    ],
    agent: Annotated[str | None, typer.Option(help="Show this agent's decisions.")] = None,
    round: Annotated[int | None, typer.Option("--round", help="Only this round.")] = None,
    prompts: Annotated[
        bool, typer.Option(help="Also print each model call's messages and raw reply.")
    ] = False,
) -> None:
    """Print the rounds as a table, and decisions with their rationale (and model calls)."""
    try:
        events = list(read_events(run_dir))
    except USER_ERRORS as error:
        raise _fail(error) from None
    timings = read_timings(run_dir)
    table = Table(title=f"Rounds of {run_dir}")
    for column in (
        "round",
        "stock start",
        "harvest",
        "stock end",
        "alive",
        "died",
        "failures",
        "end",
    ):
        table.add_column(column, justify="right" if column not in {"died", "end"} else "left")
    for s in round_summaries(events):
        if round is not None and s.round != round:
            continue
        end_stock = f"{s.stock_end:.2f}" if s.stock_end is not None else "-"
        table.add_row(
            str(s.round),
            f"{s.stock_start:.2f}",
            f"{s.harvest_total:.2f}",
            end_stock,
            str(s.alive),
            ", ".join(s.died),
            str(s.failures),
            s.end_reason or "",
        )
    out_console.print(table)
    if agent is None and round is None:
        return
    turns = agent_turns(events, agent, round)
    if agent is not None and not turns:
        raise _fail(TranscriptError(f"no decisions by agent {agent!r} in {run_dir}"))
    decisions = Table(title="Decisions")
    for column in (
        "round",
        "agent",
        "source",
        "decision",
        "harvested",
        "rationale / failure",
        "calls",
    ):
        decisions.add_column(column)
    for t in turns:
        if t.decision is not None:
            choice = {k: v for k, v in t.decision.decision.items() if k != "rationale"}
            shown = ", ".join(
                f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}" for k, v in choice.items()
            )
            why, source = str(t.decision.decision.get("rationale", "")), t.decision.source
        elif t.failure is not None:
            shown, why, source = "FAILED", f"{t.failure.error} (policy: {t.failure.policy})", "-"
        else:
            continue
        harvested = f"{t.harvested:.2f}" if t.harvested is not None else "-"
        decisions.add_row(str(t.round), t.agent, source, shown, harvested, why, str(len(t.calls)))
    out_console.print(decisions)
    if prompts:
        for t in turns:
            for call in t.calls:
                latency = timings.get(call.seq)
                took = f", {latency:.3f}s" if latency is not None else ""
                out_console.rule(
                    f"round {call.round} · {call.agent} · {call.prompt_id} attempt {call.attempt} · "
                    f"{call.input_tokens}+{call.output_tokens} tokens{took}"
                )
                for message in call.messages:
                    out_console.print(f"[bold]{message.role}:[/]", highlight=False)
                    out_console.print(message.content, markup=False, highlight=False)
                out_console.print("[bold]reply:[/]", highlight=False)
                out_console.print(
                    call.reply if call.reply is not None else "(none)",
                    markup=False,
                    highlight=False,
                )
                if call.error:
                    out_console.print(f"[red]error:[/] {call.error}", highlight=False)


def _print_metrics(m: RunMetrics) -> None:
    table = Table(title=f"Metrics: {m.run_id}")
    table.add_column("metric")
    table.add_column("value", justify="right")
    rows = [
        ("end reason", m.end_reason or "-"),
        ("rounds completed", f"{m.rounds_completed} / {m.rounds_limit}"),
        ("survival time", str(m.survival_time)),
        ("survived", "yes" if m.survived else "no"),
        ("final stock", f"{m.final_stock:.2f}"),
        ("gain (total)", f"{m.gain_total:.2f}"),
        ("gain (mean per agent)", f"{m.gain_total / max(1, len(m.gain_per_agent)):.2f}"),
        ("efficiency", f"{m.efficiency:.3f}"),
        ("equality", f"{m.equality:.3f}"),
        ("over-usage", f"{m.over_usage:.3f}"),
    ]
    if m.llm.calls:
        rows += [
            ("LLM calls", str(m.llm.calls)),
            ("prompt / reply tokens", f"{m.llm.input_tokens} / {m.llm.output_tokens}"),
            ("unusable replies", str(m.llm.unusable_replies)),
            ("failed decisions", str(m.llm.failed_decisions)),
        ]
    for name, value in rows:
        table.add_row(name, value)
    out_console.print(table)


def main() -> None:  # pragma: no cover - console entry point
    app()
