"""A paper-style Markdown summary of an experiment: what was run (exact command, versions,
seeds, cells), the result tables, the ANOVA and the plots; ready to paste."""

from __future__ import annotations

import platform
import sys
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

from society.experiments.analysis import Analysis
from society.experiments.anova import fmt_p, markdown_anova
from society.experiments.runner import ExperimentRun
from society.experiments.spec import Experiment
from society.experiments.tables import markdown_table
from society.version import __version__

SUMMARY_FILE = "summary.md"
VERSIONED = ("langgraph", "langchain-core", "pydantic", "numpy", "scipy", "matplotlib", "pyarrow")


def versions(extra: tuple[str, ...] = ()) -> dict[str, str]:
    found = {"society": __version__, "python": platform.python_version()}
    for name in (*VERSIONED, *extra):
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return found


def write_summary(
    experiment: Experiment,
    state: ExperimentRun,
    analysis: Analysis,
    out: Path,
    command: str,
    executor: str,
    wall_s: float,
) -> Path:
    spec = experiment.spec
    cells_note, models_note = experiment.game.experiment_notes()
    lines = [f"# Experiment `{spec.name}`", ""]
    if spec.description:
        lines += [spec.description, ""]
    finished = len(analysis.data.runs)
    lines += [
        "## Setup",
        "",
        f"- Command: `{command}`",
        f"- Experiment file: `{experiment.source}` (copied to `experiment.yaml`)",
        f"- Cells: {len(experiment.cells)} ({' × '.join(f'{f} ({len(spec.grid[f])})' for f in spec.grid) or 'one'})",
        f"- Seeds: {', '.join(map(str, experiment.seeds))}",
        f"- Runs: {finished} of {len(state.jobs)} finished; this invocation ran "
        f"{len(state.succeeded)}, skipped {len(state.skipped)} already finished, "
        f"{len(state.failed)} failed after retries",
        f"- Executor: {executor}; wall time of this invocation {wall_s:.1f} s",
        f"- Versions: {', '.join(f'{k} {v}' for k, v in versions(('ray',)).items())}; "
        f"{platform.system()} {platform.machine()}",
        "",
        "Levels of each factor:",
        "",
    ]
    for factor, levels in spec.grid.items():
        described = "; ".join(f"`{lv}` {_describe_level(values)}" for lv, values in levels.items())
        lines.append(f"- **{factor}**: {described}")
    lines += [
        "",
        "## Results per cell",
        "",
        cells_note,
        "",
        markdown_table(analysis.cells, analysis.columns, experiment.factors or ["cell"]),
        "",
    ]
    if analysis.pair_tables:
        from society.analysis.pairwise import markdown

        lines += ["## Round-robin tables", ""]
        for table in analysis.pair_tables:
            lines += [f"**{table.title}**", "", markdown(table.headers, table.rows), ""]
    if analysis.anovas:
        a, b = analysis.anovas[0].factors
        lines += [
            f"## Two-way ANOVA ({a} × {b})",
            "",
            "Type II sums of squares; one table per response and level of the other factors.",
            "",
            markdown_anova(analysis.anovas),
            "",
        ]
    else:
        lines += no_anova_section(experiment.factors, analysis.data.runs, analysis.responses)
    lines += [
        "## Models",
        "",
        models_note,
        "",
        markdown_table(analysis.models, analysis.model_columns, ["model"]),
        "",
    ]
    if analysis.plots:
        lines += ["## Plots", ""]
        for name, paths in analysis.plots.items():
            png = next(p for p in paths if p.suffix == ".png")
            lines += [f"![{name}]({png.relative_to(out).as_posix()})", ""]
    if state.failed:
        lines += ["## Failed runs", ""]
        lines += [f"- `{o.job.run_id}`: {o.error}" for o in state.failed]
        lines.append("")
    path = out / SUMMARY_FILE
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def no_anova_section(
    factors: list[str],
    runs: list[dict[str, Any]],
    responses: Sequence[str] = ("survival_time", "gain_total"),
) -> list[str]:
    """Why there is no two-way ANOVA, said in the summary rather than left out; with one
    factor, a one-way ANOVA of each response over its levels instead."""
    lines = ["## ANOVA", ""]
    if not runs:
        return [*lines, "No ANOVA: no run finished.", ""]
    if len(factors) >= 2:
        return [*lines, "No two-way ANOVA was computed (see the experiment's `anova:`).", ""]
    if not factors:
        return [
            *lines,
            "The two-way ANOVA needs two factors; this experiment has none (one cell), so "
            "there is nothing to compare: see the table above.",
            "",
        ]
    (factor,) = factors
    lines += [
        f"The two-way ANOVA needs two factors; this experiment has one (`{factor}`). "
        f"With one factor: a one-way ANOVA of each response over the levels of `{factor}`.",
        "",
        "| response | levels | runs | F | p |",
        "|---|---:|---:|---:|---:|",
    ]
    for response in responses:
        groups: dict[str, list[float]] = {}
        for row in runs:
            if row.get(response) is not None:
                groups.setdefault(str(row[factor]), []).append(float(row[response]))
        f, p, note = _one_way(list(groups.values()))
        n = sum(len(g) for g in groups.values())
        shown_f = "–" if f is None else f"{f:.2f}"
        lines.append(f"| {response} | {len(groups)} | {n} | {shown_f} | {fmt_p(p)}{note} |")
    return [*lines, ""]


def _one_way(groups: list[list[float]]) -> tuple[float | None, float | None, str]:
    """F and p of a one-way ANOVA, or why they cannot be computed."""
    if len(groups) < 2:
        return None, None, " (one level only)"
    if sum(len(g) for g in groups) <= len(groups):
        return None, None, " (one run per level: no residual variance)"
    within = sum(sum((x - sum(g) / len(g)) ** 2 for x in g) for g in groups)
    if within == 0:
        return None, None, " (no variance within levels)"
    from scipy.stats import f_oneway

    result = f_oneway(*groups)
    return float(result.statistic), float(result.pvalue), ""


def _describe_level(values: dict[str, object]) -> str:
    if not values:
        return "(base)"
    text = ", ".join(f"{k}: {v}" for k, v in values.items())
    return f"({text[:120]}{'…' if len(text) > 120 else ''})"


def command_line() -> str:
    """How this process was started, as `society ...`."""
    args = [a if " " not in a else repr(a) for a in sys.argv[1:]]
    return " ".join(["society", *args])
