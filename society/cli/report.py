"""`society report`: one self-contained HTML page for a run or for a folder of runs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from society.cli.app import app, err_console, fail, out_console, user_errors


@app.command()
def report(
    folder: Annotated[
        Path,
        typer.Argument(
            help="A run folder (holding events.jsonl), or a folder with run folders below it "
            "(an experiment), up to three levels deep.",
            show_default=False,
        ),
    ],
    out: Annotated[
        Path | None,
        typer.Option(help="Where to write the page. Default: FOLDER/report.html."),
    ] = None,
) -> None:
    """Write one HTML file that opens offline in any browser: stock, harvests and governance
    per round, each agent over time, and for every decision the prompt, the memories recalled,
    the reflection in force and the raw reply. For an experiment folder, a table of its runs
    with their metrics, each opening its full report."""
    from society.report import write_experiment_report, write_run_report
    from society.report.experiment import is_run_dir
    from society.transcript.reader import TranscriptError

    if not folder.is_dir():
        raise fail(TranscriptError(f"{folder}: no such folder"))
    try:
        if is_run_dir(folder):
            written = write_run_report(folder, out)
        else:
            written, warnings = write_experiment_report(folder, out)
            for warning in warnings:
                err_console.print(
                    f"[yellow]warning:[/] skipped an unreadable run: {warning}",
                    highlight=False,
                    soft_wrap=True,
                    markup=True,
                )
    except user_errors() as error:
        raise fail(error) from None
    except OSError as error:
        raise fail(TranscriptError(f"cannot write the report: {error}")) from None
    size = written.stat().st_size
    out_console.print(f"report: {written} ({size / 1e6:.1f} MB)", highlight=False)
