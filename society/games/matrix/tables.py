"""The tables printed after a matrix run and shown by `society inspect`: the run's numbers,
each label's, and the round-robin table of label against label."""

from __future__ import annotations

from typing import Any

from society.analysis.pairwise import PAYOFF, fmt_value, labels_of, matrix_rows, run_cells


def _pct(value: float | None) -> str:
    return fmt_value(value, True)


def metrics_rows(metrics: Any) -> list[tuple[str, str]]:
    m = metrics
    rows = [
        ("run", m.run_id),
        ("pairing", m.pairing),
        ("rounds", f"{m.rounds_completed} of {m.rounds_limit} ({m.end_reason})"),
        ("pairs played", f"{m.plays} ({m.void_plays} void)"),
        ("mean payoff per round", fmt_value(m.mean_payoff, False)),
        ("coordination (same action)", _pct(m.coordination_rate)),
    ]
    if m.cooperate is not None:
        rows += [
            ("cooperation", _pct(m.cooperation_rate)),
            ("mutual cooperation", _pct(m.mutual_cooperation_rate)),
            ("mutual defection", _pct(m.mutual_defection_rate)),
            ("sucker's payoff", _pct(m.sucker_rate)),
        ]
    rows.append(("failed decisions", str(m.failed_decisions)))
    if m.llm.calls:
        rows.append(("LLM calls", f"{m.llm.calls} ({m.llm.unusable_replies} unusable replies)"))
    for s in m.strategies:
        text = f"{fmt_value(s.mean_payoff, False)} per round over {s.rounds} rounds ({s.agents} players)"
        if m.cooperate is not None:
            text += (
                f", cooperated {_pct(s.cooperation_rate)}, suckered {_pct(s.sucker_rate)}, "
                f"exploited others {_pct(s.exploit_rate)}"
            )
        rows.append((f"strategy {s.label}", text))
    return rows


def metrics_notes(metrics: Any) -> list[str]:
    lines = ["Mean payoff per round of the row label against the column label:"]
    lines += table_lines(metrics, PAYOFF, False)
    if metrics.cooperate is not None:
        lines.append(
            "Sucker's payoff: share of rounds in which the row label cooperated and the column "
            "label did not (the column exploited the row):"
        )
        lines += table_lines(metrics, "suckered", True)
    return lines


def table_lines(metrics: Any, column: str, percent: bool) -> list[str]:
    cells = run_cells(metrics.pairs)
    rows = [{"label": a, "opponent": b} for a, b in cells]
    labels = labels_of(rows)
    if not labels:
        return ["  (no pair played)"]
    width = max(len(label) for label in labels)
    col = max(8, *(len(label) for label in labels))
    head = " " * (width + 2) + " ".join(f"{label:>{col}}" for label in labels)
    body = [
        f"  {row[0]:<{width}}" + " ".join(f"{value:>{col}}" for value in row[1:])
        for row in matrix_rows(labels, cells, column, percent)
    ]
    return [head, *body]
