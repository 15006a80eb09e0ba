"""Two-way ANOVA with interaction (factor A × factor B) on a per-run metric, as the paper
reports for its 2×2 grid (resource × initialisation), run separately for each level of the
other factors (e.g. each ablation arm).

Sums of squares are type II, from least-squares fits of nested models (A + B vs B, A + B vs A,
A × B vs A + B): for a balanced design they equal the textbook formulas, and they stay correct
when failed runs leave cells with unequal counts. p-values from the F distribution (scipy).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from society.experiments.data import Row


@dataclass(frozen=True)
class AnovaRow:
    source: str
    ss: float
    df: int
    f: float | None
    p: float | None
    partial_eta2: float | None


@dataclass(frozen=True)
class AnovaTable:
    response: str
    factors: tuple[str, str]
    subset: dict[str, str]  # levels of the other factors this table is about
    n: int
    rows: list[AnovaRow]
    note: str = ""  # why F is undefined, when it is


def _dummies(labels: Sequence[str]) -> np.ndarray:
    levels = sorted(set(labels))
    return np.array([[1.0 if x == level else 0.0 for level in levels[1:]] for x in labels]).reshape(
        len(labels), len(levels) - 1
    )


def _fit(y: np.ndarray, *blocks: np.ndarray) -> tuple[float, int]:
    """Residual sum of squares and rank of the model intercept + blocks."""
    x = np.column_stack([np.ones(len(y)), *blocks])
    coef, _, rank, _ = np.linalg.lstsq(x, y, rcond=None)
    residual = y - x @ coef
    return float(residual @ residual), int(rank)


def two_way_anova(
    runs: Sequence[Row], response: str, a: str, b: str, subset: dict[str, str] | None = None
) -> AnovaTable:
    from scipy.stats import f as f_distribution

    rows = [r for r in runs if r.get(response) is not None]
    y = np.array([float(r[response]) for r in rows])
    n = len(y)
    da, db = _dummies([r[a] for r in rows]), _dummies([r[b] for r in rows])
    dab = np.column_stack(
        [da[:, i] * db[:, j] for i in range(da.shape[1]) for j in range(db.shape[1])]
    ).reshape(n, da.shape[1] * db.shape[1])
    rss_a, rank_a = _fit(y, da)
    rss_b, rank_b = _fit(y, db)
    rss_ab, rank_ab = _fit(y, da, db)
    rss_full, rank_full = _fit(y, da, db, dab)
    df_res = n - rank_full
    effects = [
        (a, max(0.0, rss_b - rss_ab), rank_ab - rank_b),
        (b, max(0.0, rss_a - rss_ab), rank_ab - rank_a),
        (f"{a} × {b}", max(0.0, rss_ab - rss_full), rank_full - rank_ab),
    ]
    note = ""
    if df_res <= 0:
        note = "no residual degrees of freedom (one run per cell): F is undefined"
    elif rss_full <= 1e-12 * max(1.0, float(y @ y)):
        note = "every run in a cell has the same value (no within-cell variance): F is undefined"
    table = []
    for source, ss, df in effects:
        if note or df == 0:
            table.append(AnovaRow(source, ss, df, None, None, None))
            continue
        f_value = (ss / df) / (rss_full / df_res)
        p = float(f_distribution.sf(f_value, df, df_res))
        table.append(AnovaRow(source, ss, df, f_value, p, ss / (ss + rss_full)))
    table.append(AnovaRow("residual", rss_full, df_res, None, None, None))
    return AnovaTable(response, (a, b), subset or {}, n, table, note)


def grid_anovas(
    runs: Sequence[Row], factors: list[str], anova_factors: Sequence[str], responses: Sequence[str]
) -> list[AnovaTable]:
    """One two-way ANOVA per response and per combination of the other factors' levels."""
    a, b = anova_factors
    others = [f for f in factors if f not in (a, b)]
    combos = (
        sorted({tuple(r[f] for f in others) for r in runs}, key=lambda c: _order(runs, others, c))
        if others
        else [()]
    )
    tables = []
    for combo, response in itertools.product(combos, responses):
        subset = dict(zip(others, combo, strict=True))
        rows = [r for r in runs if all(r[f] == v for f, v in subset.items())]
        if len({r[a] for r in rows}) < 2 or len({r[b] for r in rows}) < 2:
            continue
        tables.append(two_way_anova(rows, response, a, b, subset))
    return tables


def _order(runs: Sequence[Row], others: list[str], combo: tuple[str, ...]) -> int:
    """Keep the grid's level order (the order runs appear in)."""
    seen = list(dict.fromkeys(tuple(r[f] for f in others) for r in runs))
    return seen.index(combo)


def fmt_p(p: float | None) -> str:
    if p is None or math.isnan(p):
        return "–"
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


def markdown_anova(tables: Sequence[AnovaTable]) -> str:
    lines = [
        "| subset | response | source | SS | df | F | p | partial η² |",
        "|---|---|---|---:|---:|---:|---:|---:|",
    ]
    for t in tables:
        subset = ", ".join(f"{k}={v}" for k, v in t.subset.items()) or "all runs"
        for row in t.rows:
            lines.append(
                f"| {subset} | {t.response} | {row.source} | {row.ss:.2f} | {row.df} | "
                f"{'–' if row.f is None else f'{row.f:.2f}'} | {fmt_p(row.p)} | "
                f"{'–' if row.partial_eta2 is None else f'{row.partial_eta2:.3f}'} |"
            )
    notes = sorted({t.note for t in tables if t.note})
    return "\n".join(lines + [""] + [f"Note: {n}." for n in notes]).rstrip()


def anova_rows(tables: Sequence[AnovaTable]) -> list[Row]:
    return [
        {
            **t.subset,
            "response": t.response,
            "n": t.n,
            "source": row.source,
            "ss": row.ss,
            "df": row.df,
            "f": row.f,
            "p": row.p,
            "partial_eta2": row.partial_eta2,
            "note": t.note,
        }
        for t in tables
        for row in t.rows
    ]
