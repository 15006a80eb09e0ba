"""`society validate` and `society schema`: check scenario files and print their schema."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from society.cli.app import app, err_console, out_console
from society.scenario import Scenario, ScenarioError, load_scenario


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
