"""The metrics table printed after a run and by `society metrics`: the run's game gives the
rows and any notes under them (`Game.metrics_rows`, `Game.metrics_notes`)."""

from __future__ import annotations

from typing import Any

from rich.table import Table

from society.cli.app import out_console


def print_metrics(metrics: Any, game: Any) -> None:
    table = Table(title=f"Metrics: {metrics.run_id}")
    table.add_column("metric")
    table.add_column("value", justify="right")
    for name, value in game.metrics_rows(metrics):
        table.add_row(name, value)
    out_console.print(table)
    for note in game.metrics_notes(metrics):
        out_console.print(note, highlight=False, style="dim")
