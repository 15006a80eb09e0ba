"""The `society` Typer app, its consoles and how user errors are shown (exit 2, no traceback).

This module and the command modules import only Typer and Rich at the top: `society --help`
and `society validate` must start at once, so LangChain, LangGraph, Chroma and the analysis
libraries are imported inside the commands that need them (a test checks it).
"""

from __future__ import annotations

import sys
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape

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


def user_errors() -> tuple[type[Exception], ...]:
    """The errors shown as one line and exit status 2 (imported when a command needs them)."""
    from society.analysis.metrics_file import MetricsError
    from society.backends.resolve import BackendError
    from society.core.registry import RegistryError
    from society.prompts import PromptError
    from society.scenario import ScenarioError
    from society.transcript.reader import TranscriptError

    return (ScenarioError, BackendError, TranscriptError, PromptError, MetricsError, RegistryError)


def __getattr__(name: str) -> Any:
    # `USER_ERRORS` stays importable for callers that used the old constant.
    if name == "USER_ERRORS":
        return user_errors()
    raise AttributeError(f"module 'society.cli.app' has no attribute {name!r}")


def fail(error: Exception) -> typer.Exit:
    from society.scenario import ScenarioError

    lines = error.lines if isinstance(error, ScenarioError) else [str(error)]
    for line in lines:
        err_console.print(f"[bold red]error:[/] {escape(line)}", highlight=False, soft_wrap=True)
    return typer.Exit(2)
