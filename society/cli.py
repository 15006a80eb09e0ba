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
from society.analysis.rounds import agent_turns, governance
from society.backends.resolve import BackendError
from society.coordinator.runner import RunResult, run_society
from society.inspect_view import (
    print_calls,
    print_governance,
    print_memories,
    print_rounds,
    print_turns,
)
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
    api_key_env: Annotated[
        str | None,
        typer.Option(help="With --model: environment variable that holds the API key."),
    ] = None,
    api_key_file: Annotated[
        Path | None, typer.Option(help="With --model: file whose first line is the API key.")
    ] = None,
    structured_output: Annotated[
        str | None,
        typer.Option(
            help="With --model: auto, json_schema, tool_calling, json_mode or text "
            "(how replies are kept to the decision's schema; see README)."
        ),
    ] = None,
    seed: Annotated[int | None, typer.Option(help="Override the scenario's seed.")] = None,
    rounds: Annotated[int | None, typer.Option(help="Override the scenario's round limit.")] = None,
    out: Annotated[Path, typer.Option(help="Parent folder of run folders.")] = Path("runs"),
    record: Annotated[
        Path | None,
        typer.Option(help="Store every model call's reply in this folder (calls.sqlite3)."),
    ] = None,
    replay: Annotated[
        Path | None,
        typer.Option(
            help="Answer every model call from a folder filled by --record: no network, same "
            "events.jsonl. A call that was not recorded stops the run with an error."
        ),
    ] = None,
    prices: Annotated[
        Path | None,
        typer.Option(
            help="Price table (YAML/JSON: currency, models: {name: {input, output}} per million "
            "tokens) for the cost meter; replaces the scenario's llm.prices."
        ),
    ] = None,
    max_calls: Annotated[
        int | None, typer.Option(help="Budget: stop the run after this many model calls.")
    ] = None,
    max_tokens: Annotated[
        int | None, typer.Option(help="Budget: stop the run after this many tokens.")
    ] = None,
    max_cost: Annotated[
        float | None, typer.Option(help="Budget: stop the run at this cost (needs prices).")
    ] = None,
    dry_run: Annotated[
        bool,
        typer.Option(
            help="Estimate calls, tokens (and cost) from round 1's real prompts; call no model."
        ),
    ] = False,
    retry_rate: Annotated[
        float, typer.Option(help="With --dry-run: expected retries per call.")
    ] = 0.1,
    reply_tokens: Annotated[
        int, typer.Option(help="With --dry-run: expected tokens per reply.")
    ] = 80,
    inject_faults: Annotated[
        str | None,
        typer.Option(
            help="Testing: inject faults at these rates, e.g. "
            "'timeout=0.05,rate_limit=0.05,server_error=0.02,malformed=0.05,empty=0.03,seed=1' "
            "or 'all=0.2'."
        ),
    ] = None,
    quiet: Annotated[bool, typer.Option(help="No progress bar.")] = False,
) -> None:
    """Run one society and write runs/<run-id>/ (events.jsonl, scenario.yaml, metrics.json)."""
    from society.backends.base import ReplayMiss
    from society.backends.cost import PriceTableError, load_price_file
    from society.backends.faults import FaultRates
    from society.backends.secrets import redact
    from society.backends.stack import BackendOptions, BackendSetupError

    overrides: dict[str, Any] = {}
    if seed is not None:
        overrides["seed"] = seed
    if rounds is not None:
        overrides["rounds"] = rounds
    try:
        scenario = load_scenario(scenario_file, overrides)
        if model is None and any((base_url, api_key_env, api_key_file, structured_output)):
            raise BackendError(
                "--base-url, --api-key-env, --api-key-file and --structured-output go with "
                "--model (e.g. --model openai:my-model)"
            )
        if model is not None:
            extra = {
                "base_url": base_url,
                "api_key_env": api_key_env,
                "api_key_file": str(api_key_file) if api_key_file else None,
                "structured_output": structured_output,
            }
            scenario = _with_model(scenario, model, {k: v for k, v in extra.items() if v})
        scenario = _with_llm_settings(
            scenario,
            load_price_file(prices).to_data() if prices else None,
            {"max_calls": max_calls, "max_tokens": max_tokens, "max_cost": max_cost},
        )
        try:
            faults = FaultRates.parse(inject_faults) if inject_faults else None
        except ValueError as error:
            raise BackendError(f"--inject-faults: {error}") from None
        if dry_run:
            _print_estimate(asyncio.run(_estimate(scenario, retry_rate, reply_tokens)))
            return
        _announce_models(scenario)
        options = BackendOptions(record=record, replay=replay, faults=faults)
        result = asyncio.run(_run_with_progress(scenario, out, quiet, options))
    except (*USER_ERRORS, ReplayMiss, PriceTableError, BackendSetupError) as error:
        # Provider errors may quote request headers: never print a key.
        shown = error if isinstance(error, ScenarioError) else RuntimeError(redact(str(error)))
        raise _fail(shown) from None
    except KeyboardInterrupt:
        err_console.print("interrupted; events written so far are kept in the run folder")
        raise typer.Exit(130) from None
    _print_metrics(result.metrics)
    if result.metrics.llm.budget_exhausted:
        err_console.print("The run stopped because its budget is spent.", highlight=False)
    out_console.print(f"run folder: {result.run_dir}")


def _with_model(scenario: Scenario, model: str, extra: dict[str, Any]) -> Scenario:
    data = scenario.model_dump(mode="json")
    data["model"] = {"name": model, **extra}
    for group in data["population"]:
        group["model"] = None
    return Scenario.model_validate(data, context={"personas": list(data["personas"])})


def _with_llm_settings(
    scenario: Scenario, prices: dict[str, Any] | None, budget: dict[str, Any]
) -> Scenario:
    """Command-line prices and budget go into the scenario, so the run folder records them."""
    budget = {k: v for k, v in budget.items() if v is not None}
    if prices is None and not budget:
        return scenario
    data = scenario.model_dump(mode="json")
    if prices is not None:
        data["llm"]["prices"] = prices
    if budget:
        data["llm"]["budget"] = {**(data["llm"].get("budget") or {}), **budget}
    return Scenario.model_validate(data, context={"personas": list(data["personas"])})


def _announce_models(scenario: Scenario) -> None:
    names = sorted({scenario.model_for(group).name for group in scenario.population})
    if names == ["rules"]:
        err_console.print(
            "Running without an LLM: rule-based agents (model 'rules').", highlight=False
        )
    else:
        err_console.print(f"Models: {', '.join(names)}", highlight=False)


async def _estimate(scenario: Scenario, retry_rate: float, reply_tokens: int) -> Any:
    from society.backends.dry_run import estimate

    return await estimate(scenario, retry_rate=retry_rate, reply_tokens=reply_tokens)


def _print_estimate(estimate: Any) -> None:
    if not estimate.models:
        out_console.print("Dry run: no agent uses an LLM (model 'rules'); nothing to estimate.")
        return
    table = Table(title=f"Dry run: ESTIMATE for {estimate.rounds} rounds (no model was called)")
    for column in (
        "model",
        "agents",
        "calls / agent-round",
        "prompt tokens / call",
        "calls",
        "prompt tokens",
        "reply tokens",
        f"cost ({estimate.currency})",
    ):
        table.add_column(column, justify="left" if column == "model" else "right")
    for m in [*estimate.models]:
        table.add_row(
            m.model,
            str(m.agents),
            f"{m.calls_per_agent_round:.2f}",
            f"{m.prompt_tokens_per_call:.0f}",
            f"{m.calls:,.0f}",
            f"{m.input_tokens:,.0f}",
            f"{m.output_tokens:,.0f}",
            "-" if m.cost is None else f"{m.cost:,.4f}",
        )
    total_cost = estimate.cost
    table.add_row(
        "total",
        "",
        "",
        "",
        f"{estimate.calls:,.0f}",
        f"{estimate.input_tokens:,.0f}",
        f"{estimate.output_tokens:,.0f}",
        "-" if total_cost is None else f"{total_cost:,.4f}",
    )
    out_console.print(table)
    out_console.print(
        f"This is an estimate: agents × {estimate.rounds} rounds × calls per agent-round × "
        f"(1 + {estimate.retry_rate:g} expected retries), with round 1's real prompts and "
        f"{estimate.reply_tokens} tokens per reply (capped by max_tokens). Runs can end early; "
        "later prompts grow with history and memory; re-asks resend longer prompts. "
        "Cost '-' means the model has no price (see --prices).",
        highlight=False,
    )


async def _run_with_progress(
    scenario: Scenario, out: Path, quiet: bool, options: Any = None
) -> RunResult:
    # run_society sets up every model (failing fast on a missing provider or key) before it
    # writes anything.
    if quiet:
        return await run_society(scenario, out, backends=options)
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

        return await run_society(scenario, out, backends=options, on_round_finished=advance)


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
    try:
        events = list(read_events(run_dir))
    except USER_ERRORS as error:
        raise _fail(error) from None
    print_rounds(out_console, run_dir, events, round)
    if round is not None:
        print_governance(out_console, governance(events, round))
    if agent is None and round is None:
        return
    turns = agent_turns(events, agent, round)
    if agent is not None and not turns:
        raise _fail(TranscriptError(f"no decisions by agent {agent!r} in {run_dir}"))
    print_turns(out_console, turns)
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
    g = m.governance
    if g.cooperation_rate is not None:
        rows.append(("cooperation rate (h ≤ G)", f"{g.cooperation_rate:.3f}"))
    if g.monitoring_rate or g.sanctions:
        rows += [
            ("monitoring rate", f"{g.monitoring_rate:.3f}"),
            ("violations detected / sanctions", f"{g.detected_violations} / {g.sanctions}"),
            ("sanction costs (punishers / fines)", f"{g.punisher_costs:g} / {g.fines:g}"),
        ]
    if g.norm_similarity is not None:
        rows.append(("norm similarity (mean)", f"{g.norm_similarity:.3f}"))
    if g.norm_trajectory and g.norm_trajectory[0] is not None:
        rows.append(
            ("norm G: first → last", f"{g.norm_trajectory[0]:g} → {g.norm_trajectory[-1]:g}")
        )
    if g.copies:
        rows.append(("strategies copied", str(g.copies)))
    if m.llm.calls:
        rows += [
            ("LLM calls", str(m.llm.calls)),
            ("prompt / reply tokens", f"{m.llm.input_tokens} / {m.llm.output_tokens}"),
            ("unusable replies", str(m.llm.unusable_replies)),
            ("failed decisions", str(m.llm.failed_decisions)),
            ("backend errors / retries", f"{m.llm.backend_errors} / {m.llm.retries}"),
            ("parse-failure rate", f"{m.llm.parse_failure_rate:.3f}"),
        ]
        if m.llm.cost is not None:
            rows.append((f"cost ({m.llm.currency})", f"{m.llm.cost:.4f}"))
    for name, value in rows:
        table.add_row(name, value)
    out_console.print(table)


def main() -> None:  # pragma: no cover - console entry point
    app()
