"""`society run`: play one scenario into a run folder."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape

from society.cli.app import app, err_console, fail, out_console, user_errors
from society.cli.stopping import STORAGE_ERRORS, how_to_resume, stoppable, storage_message

if TYPE_CHECKING:
    from society.coordinator.runner import RunResult
    from society.coordinator.session import RunControl
    from society.scenario import Scenario


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
        list[str] | None,
        typer.Option(
            help="Base URL of an OpenAI-compatible server, with --model; repeat it for replicas "
            "of the model (a pool: each call goes to the least-loaded server that is up)."
        ),
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
    durable: Annotated[
        bool | None,
        typer.Option(
            "--durable/--no-durable",
            help="Force each round's transcript to the disk before its checkpoint, so the run "
            "survives a machine crash, not only a killed process. Default: on when an agent "
            "has an LLM mind, off for rule-only runs (a disk flush per round).",
            show_default=False,
        ),
    ] = None,
    quiet: Annotated[bool, typer.Option(help="No progress bar.")] = False,
) -> None:
    """Run one society and write runs/<run-id>/ (events.jsonl, scenario.yaml, metrics.json).
    Every round is checkpointed: Ctrl-C stops after the round under way (twice: at once), and
    `society resume RUN_DIR` continues a run that stopped for any reason."""
    # Imported here, not at the top: `society --help` must not load LangChain or LangGraph.
    from society.backends.base import ReplayMiss
    from society.backends.cost import PriceTableError, load_price_file
    from society.backends.faults import FaultRates
    from society.backends.resolve import BackendError
    from society.backends.secrets import redact
    from society.backends.stack import BackendOptions, BackendSetupError
    from society.bounded_io import UnreadableFile
    from society.coordinator.gc_tuning import tuned_gc
    from society.coordinator.session import RunControl
    from society.scenario import ScenarioError, load_scenario

    control = RunControl()
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
                "base_url": base_url[0] if base_url and len(base_url) == 1 else base_url,
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
            _report_checks(scenario)
            return
        _announce_models(scenario)
        options = BackendOptions(record=record, replay=replay, faults=faults)
        with tuned_gc():
            result = asyncio.run(
                stoppable(
                    lambda c: _run_with_progress(scenario, out, quiet, options, c, durable),
                    control,
                )
            )
    except (
        *user_errors(),
        UnreadableFile,
        ReplayMiss,
        PriceTableError,
        BackendSetupError,
    ) as error:
        # Provider errors may quote request headers: never print a key.
        shown = error if isinstance(error, ScenarioError) else RuntimeError(redact(str(error)))
        raise fail(shown) from None
    except (KeyboardInterrupt, asyncio.CancelledError):
        err_console.print(f"stopped during a round: {how_to_resume(control)}", highlight=False)
        raise typer.Exit(130) from None
    except STORAGE_ERRORS as error:
        if isinstance(error, ConnectionError | TimeoutError):
            raise
        raise fail(RuntimeError(storage_message(error, control))) from None
    report_end(result)


def report_end(result: RunResult) -> None:
    """Metrics and the run folder; for a run that did not finish, how to go on."""
    from society.cli.metrics_table import print_metrics
    from society.core.registry import game_named

    if not result.finished:
        err_console.print(
            f"Stopped after round {result.metrics.rounds_completed}; continue with: "
            f"society resume {result.run_dir}",
            highlight=False,
        )
        raise typer.Exit(130)
    print_metrics(result.metrics, game_named(result.game))
    if result.metrics.end_reason == "backend_unavailable":
        fail(RuntimeError(_backend_down(result)))  # prints the error line
        raise typer.Exit(1)  # not bad input: the same command works once the backend is back
    if result.metrics.llm.budget_exhausted:
        err_console.print(
            "The run stopped because its budget is spent. Raise it and continue with: "
            f"society resume {result.run_dir} --max-calls N (or --max-tokens, --max-cost)",
            highlight=False,
        )
    out_console.print(f"run folder: {result.run_dir}")


def _backend_down(result: RunResult) -> str:
    from society.transcript.events import DecisionFailed
    from society.transcript.reader import read_events

    failures = [
        e
        for e in read_events(result.run_dir)
        if isinstance(e, DecisionFailed) and e.reason == "backend_unavailable"
    ]
    last = failures[-1]
    return (
        f"the model backend stayed unavailable past its retries in round {last.round} "
        f"({last.error}); rounds up to {result.metrics.rounds_completed} are kept in "
        f"{result.run_dir} (round {last.round} was discarded). When the backend is back, "
        f"continue with: society resume {result.run_dir}"
    )


def _with_model(scenario: Scenario, model: str, extra: dict[str, Any]) -> Scenario:
    data = scenario.model_dump(mode="json")
    data["model"] = {"name": model, **extra}
    for group in data["population"]:
        group["model"] = None
    # The scenario's own game's model (a donor scenario is not a commons one).
    personas = list(data.get("personas") or {})
    return type(scenario).model_validate(data, context={"personas": personas})


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
    personas = list(data.get("personas") or {})
    return type(scenario).model_validate(data, context={"personas": personas})


def _announce_models(scenario: Scenario) -> None:
    names = sorted({scenario.model_for(group).name for group in scenario.population})
    if names == ["rules"]:
        err_console.print(
            "Running without an LLM: rule-based agents (model 'rules').", highlight=False
        )
    else:
        err_console.print(f"Models: {', '.join(names)}", highlight=False)


async def _estimate(scenario: Scenario, retry_rate: float, reply_tokens: int) -> Any:
    from society.coordinator.dry_run import estimate

    return await estimate(scenario, retry_rate=retry_rate, reply_tokens=reply_tokens)


def _report_checks(scenario: Scenario) -> None:
    """After the estimate: what the real run will hit (offline checks). Warnings keep exit
    status 0 (the dry run did its job); a malformed or unknown model name is exit status 2."""
    from society.backends.providers import check_models

    specs = {scenario.model_for(g).name: scenario.model_for(g) for g in scenario.population}
    findings = check_models(list(specs.values()))
    if not any(not spec.is_rules for spec in specs.values()):
        return
    if not findings:
        out_console.print(
            "Checked offline: every model's provider package is installed and its key is set "
            "(whether the key works is known only when the real run calls the model).",
            highlight=False,
        )
        return
    for model in sorted({f.model for f in findings}):
        mine = [f for f in findings if f.model == model]
        level = "error" if any(f.level == "error" for f in mine) else "warning"
        style = "bold red" if level == "error" else "yellow"
        err_console.print(
            f"[{style}]{level}:[/] {escape(model)}: the real run will fail: "
            + escape("; ".join(f.message for f in mine)),
            highlight=False,
            soft_wrap=True,
        )
    if any(f.level == "error" for f in findings):
        err_console.print("Dry run: the estimate above stands, but fix the errors first (exit 2).")
        raise typer.Exit(2)
    err_console.print(
        f"Dry run done with {len(findings)} warning(s): the estimate above stands; fix them "
        "before the real run (exit status 0: a dry run only warns).",
        highlight=False,
    )


def _print_estimate(estimate: Any) -> None:
    from rich.table import Table

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
    sampled = (
        "round 1's"
        if estimate.sampled_rounds == 1
        else f"the first {estimate.sampled_rounds} rounds'"
    )
    out_console.print(
        f"This is an estimate: agents × {estimate.rounds} rounds × calls per agent-round × "
        f"(1 + {estimate.retry_rate:g} expected retries), with {sampled} real prompts and "
        f"{estimate.reply_tokens} tokens per reply (capped by max_tokens). Runs can end early; "
        "later prompts grow with history and memory; re-asks resend longer prompts. "
        "Cost '-' means the model has no price (see --prices).",
        highlight=False,
    )


async def _run_with_progress(
    scenario: Scenario,
    out: Path,
    quiet: bool,
    options: Any,
    control: RunControl,
    durable: bool | None = None,
) -> RunResult:
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    from society.coordinator.runner import run_society
    from society.core.registry import game_of

    if quiet:
        return await run_society(scenario, out, backends=options, control=control, durable=durable)
    columns: tuple[Any, ...] = (
        TextColumn("round"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn(f"{game_of(scenario).headline_label} {{task.fields[stock]}}"),
        TimeElapsedColumn(),
    )
    if not all(scenario.model_for(group).is_rules for group in scenario.population):
        from dataclasses import replace

        from society.backends.traffic import CallTraffic
        from society.cli.call_progress import call_column

        traffic = CallTraffic()
        options = replace(options, traffic=traffic)
        columns = (*columns, call_column(traffic))
    progress = Progress(*columns, console=err_console, transient=False)
    task = progress.add_task(
        "rounds", total=scenario.rounds, stock=f"{game_of(scenario).start_headline(scenario):.1f}"
    )

    def advance(number: int, stock: float) -> None:
        progress.update(task, completed=number, stock=f"{stock:.1f}")

    # run_society sets up every model (failing fast on a missing provider or key) before it
    # makes the run folder: the bar is shown only then, so a setup error is printed alone.
    watch_start(control, progress.start)
    try:
        return await run_society(
            scenario,
            out,
            backends=options,
            on_round_finished=advance,
            control=control,
            durable=durable,
        )
    finally:
        progress.stop()


def watch_start(control: RunControl, on_started: Callable[[], None]) -> None:
    """Call `on_started` once `control.run_dir` is set (RunControl sets it as soon as the run
    folder exists, which is after every model was set up)."""
    state = {"started": control.run_dir is not None}
    original = type(control)

    class Watched(original):  # type: ignore[misc, valid-type]
        def __setattr__(self, name: str, value: Any) -> None:
            super().__setattr__(name, value)
            if name == "run_dir" and value is not None and not state["started"]:
                state["started"] = True
                on_started()

    control.__class__ = Watched
