"""Plots of an experiment, each as PNG and SVG: stock over rounds (mean and 95% band per cell),
survival curves, harvest against the sustainable harvest, the norm threshold and norm
similarity over rounds, and sanctions per run.

With two or more factors, each figure has one panel per level of the last factor and one line
per combination of the others, so a 4 × 4 grid reads as four panels of four lines.
Matplotlib runs headless (Agg); nothing opens a window.
"""

from __future__ import annotations

import math
import textwrap
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from society.analysis.stats import mean_ci
from society.experiments.data import ExperimentData, Row

FORMATS = ("png", "svg")
TITLE_SIZE = 11.0  # points


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")  # no display: files only
    import matplotlib.pyplot as plt

    return plt


def _facets(data: ExperimentData) -> tuple[str | None, list[str]]:
    """The factor that splits panels (the last one when there are two or more), and the
    factors that name the lines."""
    if len(data.factors) >= 2:
        return data.factors[-1], data.factors[:-1]
    return None, data.factors


def _panels(data: ExperimentData) -> list[str | None]:
    panel, _ = _facets(data)
    if panel is None:
        return [None]
    return list(dict.fromkeys(r[panel] for r in data.runs))


def _line_label(row: Row, factors: list[str]) -> str:
    return " / ".join(str(row[f]) for f in factors) or row["cell"]


def _figure(data: ExperimentData, title: str) -> tuple[Any, list[Any], Any]:
    plt = _pyplot()
    panels = _panels(data)
    columns = min(len(panels), 4)
    rows = math.ceil(len(panels) / columns)
    width = 4.2 * columns
    # Constrained layout makes room for the (wrapped) title and the legend below the panels;
    # tight_layout ignored the title's width and cut it off in narrow figures.
    fig, axes = plt.subplots(
        rows,
        columns,
        figsize=(width, 3.4 * rows),
        squeeze=False,
        sharey=True,
        layout="constrained",
    )
    fig.suptitle(wrap_title(title, width), fontsize=TITLE_SIZE)
    flat = list(axes.flat)
    for extra in flat[len(panels) :]:
        extra.set_visible(False)
    return fig, flat[: len(panels)], plt


def wrap_title(title: str, width_inches: float, size: float = TITLE_SIZE) -> str:
    """`title` in lines that fit the figure's width (an average glyph is ~0.55 em wide; the
    margin keeps the estimate on the safe side)."""
    chars = max(20, int(0.9 * width_inches * 72 / (0.55 * size)))
    return textwrap.fill(title, chars)


def _save(fig: Any, plt: Any, folder: Path, stem: str) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    handles, labels = fig.axes[0].get_legend_handles_labels()
    if handles:
        _fitted_legend(fig, handles, labels)
    paths = []
    for fmt in FORMATS:
        path = folder / f"{stem}.{fmt}"
        fig.savefig(path, dpi=120)
        paths.append(path)
    plt.close(fig)
    return paths


def _fitted_legend(fig: Any, handles: list[Any], labels: list[str]) -> None:
    """A legend below the panels with as many columns (at most 4) as fit the figure's width:
    long labels on one line ran past the edge and were cut off."""
    renderer = fig.canvas.get_renderer()
    for columns in range(min(4, len(labels)), 0, -1):
        legend = fig.legend(
            handles, labels, loc="outside lower center", ncol=columns, frameon=False
        )
        if columns == 1 or legend.get_window_extent(renderer).width <= fig.bbox.width * 0.98:
            return
        legend.remove()


def _round_series(
    data: ExperimentData, value: Callable[[Row], float | None], x: str = "round"
) -> dict[tuple[str | None, str], dict[int, list[float]]]:
    """(panel, line) -> round (or the per-round rows' `x`) -> values over the runs that
    played it."""
    panel, lines = _facets(data)
    series: dict[tuple[str | None, str], dict[int, list[float]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for row in data.rounds:
        v = value(row)
        if v is None:
            continue
        series[(row[panel] if panel else None, _line_label(row, lines))][row[x]].append(v)
    return series


def line_plot(
    data: ExperimentData,
    value: Callable[[Row], float | None],
    title: str,
    ylabel: str,
    folder: Path,
    stem: str,
    reference: float | None = None,
    x: str = "round",
) -> list[Path]:
    """A per-round quantity (or per `x`, e.g. a generation: a column of the game's per-round
    rows), its mean and 95% band per cell."""
    series = _round_series(data, value, x)
    fig, axes, plt = _figure(data, title)
    colours = _colours(data)
    for ax, panel in zip(axes, _panels(data), strict=True):
        for (p, line), by_round in series.items():
            if p != panel:
                continue
            rounds = sorted(by_round)
            estimates = [mean_ci(by_round[t]) for t in rounds]
            means = [e.mean for e in estimates]
            # Every plotted quantity is ≥ 0; a t band over two or three runs can dip below.
            low = [max(0.0, e.low) if e.n > 1 else e.mean for e in estimates]
            high = [e.high if e.n > 1 else e.mean for e in estimates]
            ax.plot(rounds, means, label=line, color=colours[line], linewidth=1.6)
            ax.fill_between(rounds, low, high, color=colours[line], alpha=0.18, linewidth=0)
        if reference is not None:
            ax.axhline(reference, color="black", linestyle="--", linewidth=0.8)
        ax.set_title(panel or "")
        ax.set_xlabel(x)
        ax.grid(alpha=0.3)
    axes[0].set_ylabel(ylabel)
    return _save(fig, plt, folder, stem)


def _colours(data: ExperimentData) -> dict[str, Any]:
    plt = _pyplot()
    _, lines = _facets(data)
    labels = list(dict.fromkeys(_line_label(r, lines) for r in data.runs))
    cmap = plt.get_cmap("tab10")
    return {label: cmap(i % 10) for i, label in enumerate(labels)}


def survival_plot(data: ExperimentData, folder: Path) -> list[Path]:
    """Share of runs whose commons is still alive after each round (all runs share one round
    limit, so there is no censoring before it). A run that ended early in round t (survival
    time t, GovSim's count) is gone from round t on; a run that survived stays to the end."""
    panel, lines = _facets(data)
    fig, axes, plt = _figure(data, "Survival: share of runs still going")
    colours = _colours(data)
    for ax, level in zip(axes, _panels(data), strict=True):
        groups: dict[str, list[tuple[int, bool]]] = defaultdict(list)
        limit = 0
        for row in data.runs:
            if panel is None or row[panel] == level:
                groups[_line_label(row, lines)].append(
                    (row["survival_time"], bool(row["survived"]))
                )
                limit = max(limit, row["rounds_limit"])
        for line, outcomes in groups.items():
            rounds = list(range(0, limit + 1))
            share = [sum(kept or t > r for t, kept in outcomes) / len(outcomes) for r in rounds]
            ax.step(rounds, share, where="post", label=line, color=colours[line])
        ax.set_ylim(-0.03, 1.03)
        ax.set_title(level or "")
        ax.set_xlabel("round")
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("share surviving")
    return _save(fig, plt, folder, "survival")


def punishment_plot(data: ExperimentData, folder: Path) -> list[Path]:
    """Sanctions per run, mean and 95% CI per cell."""
    panel, lines = _facets(data)
    fig, axes, plt = _figure(data, "Sanctions per run (mean, 95% CI)")
    colours = _colours(data)
    for ax, level in zip(axes, _panels(data), strict=True):
        groups: dict[str, list[float]] = defaultdict(list)
        for row in data.runs:
            if panel is None or row[panel] == level:
                groups[_line_label(row, lines)].append(float(row["sanctions"]))
        names = list(groups)
        estimates = [mean_ci(groups[n]) for n in names]
        # Counts are never negative: the interval is clipped at 0.
        errors = [
            [0.0 if e.n < 2 else e.mean - max(0.0, e.low) for e in estimates],
            [0.0 if e.n < 2 else e.high - e.mean for e in estimates],
        ]
        ax.bar(
            range(len(names)),
            [e.mean for e in estimates],
            yerr=errors,
            color=[colours[n] for n in names],
            capsize=3,
        )
        ax.set_xticks(range(len(names)), names, rotation=30, ha="right", fontsize=8)
        ax.set_title(level or "")
        ax.grid(alpha=0.3, axis="y")
    axes[0].set_ylabel("sanctions")
    return _save(fig, plt, folder, "punishment")


def all_plots(data: ExperimentData, folder: Path) -> dict[str, list[Path]]:
    """Every plot; a plot with no data (e.g. norm similarity without voting) is left out."""
    if not data.runs:
        return {}
    plots: dict[str, list[Path]] = {
        "stock": line_plot(
            data,
            lambda r: r["stock_start"],
            "Stock at the start of each round (mean, 95% band; runs still going)",
            "stock",
            folder,
            "stock",
        ),
        "survival": survival_plot(data, folder),
        "harvest": line_plot(
            data,
            lambda r: r["harvest_vs_sustainable"],
            "Group harvest ÷ sustainable harvest (1 = sustainable)",
            "harvest / sustainable",
            folder,
            "harvest_vs_sustainable",
            reference=1.0,
        ),
    }
    if any(r["norm_limit"] is not None for r in data.rounds):
        plots["norm_threshold"] = line_plot(
            data,
            lambda r: r["norm_limit"],
            "Norm threshold G(t) (mean, 95% band)",
            "limit per agent",
            folder,
            "norm_threshold",
        )
    if any(r["norm_similarity"] is not None for r in data.rounds):
        plots["norm_similarity"] = line_plot(
            data,
            lambda r: r["norm_similarity"],
            "Norm similarity of proposals (mean, 95% band)",
            "mean pairwise cosine",
            folder,
            "norm_similarity",
        )
    if any(r["sanctions"] for r in data.runs):
        plots["punishment"] = punishment_plot(data, folder)
    return plots


def plot_list(plots: dict[str, list[Path]]) -> Sequence[Path]:
    return [p for paths in plots.values() for p in paths]
