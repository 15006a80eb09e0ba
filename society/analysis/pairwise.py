"""Round-robin tables of any pairwise game: what each label (a strategy, a model) earned and
did against each other label.

A game gives *sides*: one per player per pairwise interaction, with the player's label, its
partner's label, its payoff and any per-side measures in [0, 1] (did it cooperate, did it get
the sucker's payoff). `pair_cells` aggregates one run; `pooled_pairs` and `pooled_labels`
aggregate rows of many runs (an experiment's cells × seeds), each run weighing the same, with
95% confidence intervals over runs. Formatting gives Markdown and plain rows for terminals.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, Field

from society.analysis.stats import Estimate, mean_ci

Row = dict[str, Any]
PAYOFF = "payoff"


@dataclass(frozen=True)
class Side:
    """One player's side of one interaction."""

    label: str
    opponent: str
    payoff: float
    measures: Mapping[str, float]


class PairCell(BaseModel):
    """A label against an opponent label in one run: rounds, mean payoff per round and the
    mean of each measure."""

    label: str
    opponent: str
    rounds: int
    payoff: float
    measures: dict[str, float] = Field(default_factory=dict)


def pair_cells(sides: Iterable[Side]) -> list[PairCell]:
    sums: dict[tuple[str, str], list[Any]] = {}
    for side in sides:
        entry = sums.setdefault((side.label, side.opponent), [0, 0.0, defaultdict(float)])
        entry[0] += 1
        entry[1] += side.payoff
        for name, value in side.measures.items():
            entry[2][name] += value
    return [
        PairCell(
            label=label,
            opponent=opponent,
            rounds=n,
            payoff=total / n,
            measures={name: value / n for name, value in sorted(measures.items())},
        )
        for (label, opponent), (n, total, measures) in sorted(sums.items())
    ]


def cell_rows(cells: Sequence[PairCell]) -> list[Row]:
    """Flat rows (label, opponent, rounds, payoff, each measure): one run's part of an
    experiment's pairs table."""
    return [
        {
            "label": c.label,
            "opponent": c.opponent,
            "rounds": c.rounds,
            PAYOFF: c.payoff,
            **c.measures,
        }
        for c in cells
    ]


def labels_of(rows: Iterable[Mapping[str, Any]]) -> list[str]:
    return sorted({r["label"] for r in rows} | {r["opponent"] for r in rows})


def _run_key(row: Mapping[str, Any], keys: Sequence[str]) -> tuple[Any, ...]:
    return tuple(row.get(k) for k in keys)


def pooled_pairs(
    rows: Sequence[Mapping[str, Any]], group: Sequence[str], columns: Sequence[str]
) -> dict[tuple[Any, ...], dict[tuple[str, str], dict[str, Estimate]]]:
    """Group key -> (label, opponent) -> column -> mean over runs [95% CI]. `group`: the
    row keys that make a group (an experiment's cell); each row is one run's cell of the
    table, so each run weighs the same."""
    values: dict[tuple[Any, ...], dict[tuple[str, str], dict[str, list[float]]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(list))
    )
    for row in rows:
        for column in columns:
            if row.get(column) is not None:
                values[_run_key(row, group)][(row["label"], row["opponent"])][column].append(
                    float(row[column])
                )
    return {
        key: {pair: {c: mean_ci(v) for c, v in found.items()} for pair, found in pairs.items()}
        for key, pairs in values.items()
    }


def pooled_labels(
    rows: Sequence[Mapping[str, Any]],
    group: Sequence[str],
    run: Sequence[str],
    columns: Sequence[str],
) -> dict[tuple[Any, ...], dict[str, dict[str, Estimate]]]:
    """Group key -> label -> column -> mean over runs [95% CI] of the label's per-run mean
    over all its rounds (its opponents weighted by rounds played). `run`: the row keys that
    tell runs apart (cell and seed)."""
    per_run: dict[tuple[Any, ...], dict[str, list[float]]] = defaultdict(
        lambda: defaultdict(lambda: [0.0] * (2 * len(columns)))
    )
    for row in rows:
        sums = per_run[(*_run_key(row, group), *_run_key(row, run))][row["label"]]
        for i, column in enumerate(columns):
            if row.get(column) is not None:
                sums[2 * i] += float(row[column]) * row["rounds"]
                sums[2 * i + 1] += row["rounds"]
    values: dict[tuple[Any, ...], dict[str, dict[str, list[float]]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(list))
    )
    width = len(group)
    for key, labels in per_run.items():
        for label, sums in labels.items():
            for i, column in enumerate(columns):
                if sums[2 * i + 1]:
                    values[key[:width]][label][column].append(sums[2 * i] / sums[2 * i + 1])
    return {
        key: {label: {c: mean_ci(v) for c, v in found.items()} for label, found in labels.items()}
        for key, labels in values.items()
    }


def fmt_value(estimate: Estimate | float | None, percent: bool, ci: bool = False) -> str:
    if estimate is None:
        return "–"
    mean = estimate.mean if isinstance(estimate, Estimate) else float(estimate)
    scale, unit = (100.0, "%") if percent else (1.0, "")
    digits = 0 if percent else 2
    text = f"{mean * scale:.{digits}f}{unit}"
    if ci and isinstance(estimate, Estimate) and estimate.n > 1 and estimate.high != float("inf"):
        text += f" [{estimate.low * scale:.{digits}f}, {estimate.high * scale:.{digits}f}]"
    return text


def matrix_rows(
    labels: Sequence[str],
    cells: Mapping[tuple[str, str], Mapping[str, Any]],
    column: str,
    percent: bool,
) -> list[list[str]]:
    """One row per label: its value of `column` against each label ('–': never met)."""
    return [
        [
            label,
            *(fmt_value(cells.get((label, other), {}).get(column), percent) for other in labels),
        ]
        for label in labels
    ]


def markdown(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = [
        "| " + " | ".join(headers) + " |",
        "|---|" + "---:|" * (len(headers) - 1),
    ]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def run_cells(cells: Sequence[PairCell]) -> dict[tuple[str, str], dict[str, float]]:
    """One run's cells keyed by (label, opponent), payoff and measures as columns."""
    return {(c.label, c.opponent): {PAYOFF: c.payoff, **c.measures} for c in cells}


@dataclass(frozen=True)
class PairwiseTable:
    """A table ready to print or paste: a title, headers and rows of text."""

    title: str
    headers: list[str]
    rows: list[list[str]]


Columns = Sequence[tuple[str, str, bool]]  # (column, heading, shown as a percentage)


def experiment_tables(
    rows: Sequence[Mapping[str, Any]],
    cells: Sequence[str],
    columns: Columns,
    seed_key: str = "seed",
) -> list[PairwiseTable]:
    """Per experiment cell (rows carry its name under "cell"): a matrix of the first column
    (label against label, mean over runs), a matrix of each column named `suckered` (who
    exploited whom, if the game measures it), and a per-label table of every column with its
    95% CI over runs."""
    if not rows or not columns:
        return []
    names = [c for c, _, _ in columns]
    pairs = pooled_pairs(rows, ["cell"], names)
    labels_by_cell = pooled_labels(rows, ["cell"], [seed_key], names)
    tables = []
    for cell in cells:
        found = pairs.get((cell,))
        if not found:
            continue
        in_cell = [r for r in rows if r["cell"] == cell]
        labels = labels_of(in_cell)
        runs = len({r.get(seed_key) for r in in_cell})
        shown = [columns[0], *(c for c in columns[1:] if c[0] == "suckered")]
        for column, heading, percent in shown:
            what = (
                "share of rounds the row got the sucker's payoff from the column (who exploited whom)"
                if column == "suckered"
                else f"{heading} of the row against the column"
            )
            tables.append(
                PairwiseTable(
                    f"{cell}: {what}, mean over {runs} runs",
                    ["label", *labels],
                    matrix_rows(labels, found, column, percent),
                )
            )
        per_label = labels_by_cell.get((cell,), {})
        tables.append(
            PairwiseTable(
                f"{cell}: per label, mean over {runs} runs [95% CI]",
                ["label", *(heading for _, heading, _ in columns)],
                [
                    [
                        label,
                        *(
                            fmt_value(per_label[label].get(column), percent, ci=True)
                            for column, _, percent in columns
                        ),
                    ]
                    for label in sorted(per_label)
                ],
            )
        )
    return tables
