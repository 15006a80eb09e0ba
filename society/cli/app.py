"""The `society` Typer app, its consoles and how user errors are shown (exit 2, no traceback)."""

from __future__ import annotations

import sys

import typer
from rich.console import Console
from rich.markup import escape

from society.analysis.metrics_file import MetricsError
from society.backends.resolve import BackendError
from society.core.registry import RegistryError
from society.prompts import PromptError
from society.scenario import ScenarioError
from society.transcript.reader import TranscriptError

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

USER_ERRORS = (
    ScenarioError,
    BackendError,
    TranscriptError,
    PromptError,
    MetricsError,
    RegistryError,
)


def fail(error: Exception) -> typer.Exit:
    lines = error.lines if isinstance(error, ScenarioError) else [str(error)]
    for line in lines:
        err_console.print(f"[bold red]error:[/] {escape(line)}", highlight=False, soft_wrap=True)
    return typer.Exit(2)
