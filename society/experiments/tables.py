"""Result tables: mean and 95% CI per cell, and GovSim's model comparison (per model, over
every commons and intervention). Rates are shares in [0, 1]; Markdown shows them as %."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from society.analysis.stats import Z975, Estimate, mean_ci
from society.experiments.data import Row

# (column in the per-run rows, heading, shown as a percentage)
CELL_METRICS: tuple[tuple[str, str, bool], ...] = (
    ("survival_time", "survival time", False),
    ("survived", "survival rate", True),
    ("gain_total", "gain", False),
    ("efficiency", "efficiency", True),
    ("equality", "equality", True),
    ("over_usage", "over-usage", True),
    ("cooperation_rate", "cooperation", True),
    ("punishment_rate", "punishment", True),
    ("norm_similarity", "norm similarity", False),
    ("tokens", "tokens", False),
    ("cost", "cost", False),
)
# The table `society experiment` prints (means; survival time with its CI).
PRINTED_METRICS: tuple[tuple[str, str, bool], ...] = (
    ("survival_time", "survival", False),
    ("survived", "survival rate", True),
    ("gain_total", "gain", False),
    ("efficiency", "efficiency", True),
    ("over_usage", "over-usage", True),
    ("cooperation_rate", "cooperation", True),
    ("punishment_rate", "punishment", True),
    ("tokens", "tokens", False),
)
# GovSim's Table 1 columns, plus what the models spent.
MODEL_METRICS: tuple[tuple[str, str, bool], ...] = (
    ("survived", "survival rate", True),
    ("survival_time", "survival time", False),
    ("gain_total", "gain", False),
    ("efficiency", "efficiency", True),
    ("equality", "equality", True),
    ("over_usage", "over-usage", True),
    ("tokens", "tokens", False),
    ("cost", "cost", False),
)


@dataclass(frozen=True)
class GroupSummary:
    key: str  # cell name or model
    labels: dict[str, str]  # factor levels (cells) or {"model": ...}
    n: int
    estimates: dict[str, Estimate | None]  # None: no run measured it (e.g. no cost)
    seeds: list[int]


# Shares in [0, 1] whose interval is clipped to that range; survival is binary (Wilson).
SHARES = {"efficiency", "equality", "over_usage", "cooperation_rate", "punishment_rate"}


def _estimate(rows: Sequence[Row], column: str) -> Estimate | None:
    values = [float(r[column]) for r in rows if r.get(column) is not None]
    if not values:
        return None
    if column == "survived":
        return wilson(sum(values), len(values))
    e = mean_ci(values)
    if column in SHARES and column != "efficiency":  # efficiency exceeds 1 when over-harvested
        return Estimate(e.mean, max(0.0, e.low), min(1.0, e.high), e.n)
    return e


def wilson(successes: float, n: int) -> Estimate:
    """Wilson score 95% interval of a proportion: sensible at 0 %, 100 % and small n, where a
    t interval on 0/1 values is not."""
    z = Z975
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return Estimate(p, max(0.0, centre - half), min(1.0, centre + half), n)


Columns = Sequence[tuple[str, str, bool]]


def cell_table(
    runs: Sequence[Row], factors: list[str], columns: Columns = CELL_METRICS
) -> list[GroupSummary]:
    order = list(dict.fromkeys(r["cell"] for r in runs))
    table = []
    for cell in order:
        rows = [r for r in runs if r["cell"] == cell]
        table.append(
            GroupSummary(
                cell,
                {f: rows[0][f] for f in factors},
                len(rows),
                {column: _estimate(rows, column) for column, _, _ in columns},
                sorted(r["seed"] for r in rows),
            )
        )
    return table


def model_table(runs: Sequence[Row], columns: Columns = MODEL_METRICS) -> list[GroupSummary]:
    table = []
    for model in sorted({r["models"] for r in runs}):
        rows = [r for r in runs if r["models"] == model]
        table.append(
            GroupSummary(
                model,
                {"model": model},
                len(rows),
                {column: _estimate(rows, column) for column, _, _ in columns},
                sorted({r["seed"] for r in rows}),
            )
        )
    return table


def fmt(estimate: Estimate | None, percent: bool, ci: bool = True) -> str:
    if estimate is None:
        return "–"
    if estimate.mean == estimate.low == estimate.high == 0:
        return "0"  # e.g. tokens of rule-only runs
    scale, unit = (100.0, "%") if percent else (1.0, "")
    mean = estimate.mean * scale
    digits = 0 if abs(mean) >= 1000 else (1 if percent or abs(mean) >= 10 else 2)
    text = f"{mean:.{digits}f}{unit}"
    if not ci or estimate.n < 2 or math.isinf(estimate.high):
        return text
    low, high = estimate.low * scale, estimate.high * scale
    return f"{text} [{low:.{digits}f}, {high:.{digits}f}]"


def markdown_table(
    table: Sequence[GroupSummary],
    metrics: Sequence[tuple[str, str, bool]],
    label_columns: Sequence[str],
) -> str:
    headings = [*label_columns, "n", *(heading for _, heading, _ in metrics)]
    lines = [
        "| " + " | ".join(headings) + " |",
        "|" + "|".join("---" for _ in label_columns) + "|" + "---:|" * (len(metrics) + 1),
    ]
    for group in table:
        cells = [group.labels.get(c, group.key) for c in label_columns]
        cells.append(str(group.n))
        cells.extend(fmt(group.estimates[column], percent) for column, _, percent in metrics)
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def table_rows(
    table: Sequence[GroupSummary], metrics: Sequence[tuple[str, str, bool]]
) -> list[Row]:
    """Flat rows for CSV/Parquet: mean, CI low and high per metric."""
    rows = []
    for group in table:
        row: Row = {"group": group.key, **group.labels, "n": group.n}
        for column, _, _ in metrics:
            e = group.estimates[column]
            finite = e is not None and not math.isinf(e.high)
            row[f"{column}_mean"] = e.mean if e else None
            row[f"{column}_ci_low"] = e.low if finite and e else None
            row[f"{column}_ci_high"] = e.high if finite and e else None
        rows.append(row)
    return rows
