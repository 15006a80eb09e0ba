"""A folder of runs (an experiment, a grid, or any folder holding run folders) as one page:
the runs with their metrics, grouped by the folder they sit in, each opening its full report
inside the same file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from society.report.extract import load_run
from society.report.page import REPORT_FILE, Blob, encode, render_page, run_blobs
from society.transcript.reader import TranscriptError
from society.transcript.writer import EVENTS_FILE

MAX_DEPTH = 3  # run folders sit at most this many levels below the folder given

# The metrics shown per run in the table, in column order (missing ones show as blank).
SUMMARY_KEYS = (
    "rounds_completed",
    "end_reason",
    "survival_time",
    "final_stock",
    "gain_total",
    "efficiency",
    "equality",
    "over_usage",
)


def is_run_dir(path: Path) -> bool:
    return (Path(path) / EVENTS_FILE).is_file()


def find_runs(root: Path) -> list[Path]:
    """Run folders under `root` (not `root` itself), sorted by path, at most MAX_DEPTH deep."""
    found: list[Path] = []

    def walk(folder: Path, depth: int) -> None:
        for child in sorted(p for p in folder.iterdir() if p.is_dir()):
            if is_run_dir(child):
                found.append(child)
            elif depth < MAX_DEPTH:
                walk(child, depth + 1)

    walk(Path(root), 1)
    return found


def _summary(core: dict[str, Any]) -> dict[str, Any]:
    metrics = core.get("metrics") or {}
    row = {key: metrics.get(key) for key in SUMMARY_KEYS}
    governance = metrics.get("governance") or {}
    row["cooperation_rate"] = governance.get("cooperation_rate")
    llm = metrics.get("llm") or {}
    row["llm_calls"] = llm.get("calls")
    row["agents"] = len(core["agents"])
    return row


def write_experiment_report(root: Path, out: Path | None = None) -> tuple[Path, list[str]]:
    """Write the experiment page (default ROOT/report.html). Returns its path and one warning
    per run folder that could not be read (those are listed on the page with the reason)."""
    runs = find_runs(root)
    if not runs:
        raise TranscriptError(
            f"{root}: no run folders here (a run folder holds {EVENTS_FILE}), "
            f"looked {MAX_DEPTH} levels deep"
        )
    index: list[dict[str, Any]] = []
    blobs: list[Blob] = []
    warnings: list[str] = []
    for number, run_dir in enumerate(runs):
        relative = run_dir.relative_to(root)
        entry: dict[str, Any] = {
            "key": str(number),
            "folder": relative.parent.as_posix() if relative.parent != Path(".") else "",
            "name": run_dir.name,
        }
        try:
            data = load_run(run_dir)
        except TranscriptError as error:
            entry["error"] = str(error)
            warnings.append(str(error))
        else:
            entry["run"] = data.core["run"]
            entry["summary"] = _summary(data.core)
            blobs += run_blobs(str(number), data)
        index.append(entry)
    blobs.insert(0, Blob("index", encode({"root": Path(root).name, "runs": index})))
    target = out if out is not None else Path(root) / REPORT_FILE
    target.write_text(
        render_page(f"society · {Path(root).resolve().name}", "experiment", blobs),
        encoding="utf-8",
    )
    return target, warnings
