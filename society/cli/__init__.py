"""The `society` command line: one module per command group, registered on one Typer app.
Importing a command module registers its commands; `--help` lists them in this order."""

# isort: off
from society.cli import run  # noqa: F401
from society.cli import resume  # noqa: F401
from society.cli import scenarios  # noqa: F401
from society.cli import analysis  # noqa: F401
from society.cli import report  # noqa: F401
from society.cli import experiment  # noqa: F401
from society.cli.app import app

# isort: on

__all__ = ["app", "main"]


def main() -> None:  # pragma: no cover - console entry point
    app()
