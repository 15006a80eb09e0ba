"""`society validate` and `society schema`: check scenario files and print their schema."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from society.bounded_io import UnreadableFile, load_yaml_mapping
from society.cli.app import app, err_console, out_console


@app.command()
def validate(
    files: Annotated[
        list[Path], typer.Argument(help="Scenario or experiment YAML files.", show_default=False)
    ],
) -> None:
    """Check scenario and experiment files; print one line per problem (file:line: field:
    message). A file with a top-level `scenario:` or `grid:` is checked as an experiment, every cell's
    scenario included."""
    from society.scenario import ScenarioError

    failed = False
    for path in files:
        try:
            summary, warnings = _check(path)
        except ScenarioError as error:
            failed = True
            for line in error.lines:
                err_console.print(
                    f"[bold red]error:[/] {escape(line)}", highlight=False, soft_wrap=True
                )
            continue
        out_console.print(f"ok: {path} ({summary})", highlight=False, soft_wrap=True)
        for warning in warnings:
            err_console.print(
                f"[yellow]warning:[/] {path}: {escape(warning)}", highlight=False, soft_wrap=True
            )
        for note in _notes(path):
            out_console.print(f"note: {path}: {note}", highlight=False, soft_wrap=True)
    if failed:
        raise typer.Exit(2)


def _check(path: Path) -> tuple[str, list[str]]:
    """A one-line summary of a valid file, and its warnings: factors of an experiment that
    cannot change its rule-only runs."""
    from society.scenario import load_scenario

    if _is_experiment(path):
        from society.experiments.rule_blind import rule_blind_warnings
        from society.experiments.spec import load_experiment

        experiment = load_experiment(path)
        runs = len(experiment.cells) * len(experiment.seeds)
        summary = f"experiment {experiment.name}, {len(experiment.cells)} cells, {runs} runs"
        return summary, rule_blind_warnings(experiment)
    scenario = load_scenario(path)
    return f"{scenario.name}, {scenario.agent_count} agents, {scenario.rounds} rounds", []


def _notes(path: Path) -> list[str]:
    """What the file's game says cannot change the outcome (`Game.scenario_notes`), for the
    scenario or each distinct one of the experiment's cells."""
    from society.scenario import load_scenario

    if _is_experiment(path):
        from society.experiments.spec import load_experiment, scenario_notes

        return scenario_notes(load_experiment(path))
    from society.core.registry import game_of

    scenario = load_scenario(path)
    return game_of(scenario).scenario_notes(scenario)


def _is_experiment(path: Path) -> bool:
    """A quick look at the top-level keys (the full, line-numbered check follows)."""
    from society.scenario.loading import looks_like_experiment

    try:
        data, _ = load_yaml_mapping(path, expected="fields")
    except UnreadableFile:
        return False  # the scenario loader reports it with its file and line
    return looks_like_experiment(data)


@app.command()
def schema(
    out: Annotated[
        Path | None, typer.Option(help="Write to this file instead of standard output.")
    ] = None,
    game: Annotated[
        str, typer.Option(help="The game whose scenario files it describes (see society games).")
    ] = "commons",
) -> None:
    """Print the JSON Schema of scenario files (for editor completion and checking)."""
    from society.core.registry import RegistryError, game_named

    try:
        model = game_named(game).scenario_type
    except RegistryError as error:
        err_console.print(f"[bold red]error:[/] {escape(str(error))}", highlight=False)
        raise typer.Exit(2) from None
    text = json.dumps(model.model_json_schema(), indent=2) + "\n"
    if out is None:
        sys.stdout.write(text)
    else:
        out.write_text(text, encoding="utf-8")


@app.command()
def games() -> None:
    """List the games (built in and registered by plugins), their phases in a round's default
    order and the other phases a scenario's `round:` list may name, and the institutions."""
    from society.core.registry import GAMES, INSTITUTIONS, RegistryError

    for name in GAMES.names():
        try:
            game = GAMES.get(name)
        except RegistryError as error:
            err_console.print(f"[bold red]error:[/] {escape(str(error))}", highlight=False)
            continue
        out_console.print(f"[bold]{name}[/]: {escape(game.description)}", highlight=False)
        offered = list(game.offered_in_rounds(None))
        out_console.print(f"  phases: {', '.join(offered)}", highlight=False)
    names = INSTITUTIONS.names()
    if names:
        out_console.print(f"[bold]institutions[/]: {', '.join(names)}", highlight=False)
