"""The HTML report's data for a matrix run: the generic rounds of events
(society.core.presentation) plus the game's sections, drawn by report.js's generic view: rates
and payoff over rounds, the strategies, the round-robin table, and each round's pairs."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from society.analysis.pairwise import PAYOFF, fmt_value, labels_of, matrix_rows, run_cells
from society.core.presentation import generic_report_data


def build_run_data(events: Sequence[Any], timings: Mapping[int, float], metrics: Any) -> Any:
    from society.games.matrix.metrics import compute_metrics

    data = generic_report_data(events, timings, metrics)
    # `metrics` is metrics.json as read (or None for an unfinished run): recomputed from the
    # events, as `society metrics` would.
    m = compute_metrics(list(events))
    rationales = {
        (e.agent, e.round): e.decision.get("rationale", "")
        for e in events
        if e.kind == "decision" and e.phase == "play"
    }
    pairs: dict[int, list[list[Any]]] = defaultdict(list)
    for event in events:
        if event.kind == "pair_played":
            pairs[event.round].append(
                [
                    event.row,
                    event.row_action,
                    event.row_payoff,
                    event.column,
                    event.column_action,
                    event.column_payoff,
                    event.encounter,
                    rationales.get((event.row, event.round), ""),
                    rationales.get((event.column, event.round), ""),
                ]
            )
        elif event.kind == "pair_void":
            pairs[event.round].append(
                [
                    event.row,
                    "–",
                    0,
                    event.column,
                    "–",
                    0,
                    "–",
                    f"void: no decision from {', '.join(event.failed)}",
                    "",
                ]
            )
    series = [
        {
            "label": "mean payoff",
            "color": "#2a7",
            "points": [[r.round, r.mean_payoff] for r in m.rounds if r.mean_payoff is not None],
        },
    ]
    rates = [
        {
            "label": "coordination",
            "color": "#c60",
            "points": [
                [r.round, 100 * r.coordination] for r in m.rounds if r.coordination is not None
            ],
        },
    ]
    if m.cooperate is not None:
        rates += [
            {
                "label": "cooperation",
                "color": "#27c",
                "points": [
                    [r.round, 100 * r.cooperation_rate]
                    for r in m.rounds
                    if r.cooperation_rate is not None
                ],
            },
            {
                "label": "mutual cooperation",
                "color": "#72c",
                "points": [
                    [r.round, 100 * r.mutual_cooperation]
                    for r in m.rounds
                    if r.mutual_cooperation is not None
                ],
            },
        ]
    cells = run_cells(m.pairs)
    labels = labels_of({"label": a, "opponent": b} for a, b in cells)
    sections = [
        {"title": "Payoff per round", "y_label": "points", "series": series},
        {
            "title": "Rates per round",
            "y_label": "% of pairs (cooperation: of moves)",
            "series": rates,
        },
        {
            "title": "Strategies",
            "headers": [
                "label",
                "players",
                "rounds",
                "payoff per round",
                "cooperation",
                "got sucker's payoff",
                "gave sucker's payoff",
            ],
            "rows": [
                [
                    s.label,
                    s.agents,
                    s.rounds,
                    fmt_value(s.mean_payoff, False),
                    fmt_value(s.cooperation_rate, True),
                    fmt_value(s.sucker_rate, True),
                    fmt_value(s.exploit_rate, True),
                ]
                for s in m.strategies
            ],
            "numeric": [1, 2],
        },
        {
            "title": "Round-robin table: payoff per round of the row against the column",
            "headers": ["label", *labels],
            "rows": matrix_rows(labels, cells, PAYOFF, False),
            "numeric": [],
        },
    ]
    if m.cooperate is not None:
        sections.append(
            {
                "title": "Who exploited whom: share of rounds the row got the sucker's payoff from the column",
                "headers": ["label", *labels],
                "rows": matrix_rows(labels, cells, "suckered", True),
                "numeric": [],
            }
        )
    sections += institution_sections(events)
    data.core["sections"] = sections
    for entry in data.core["rounds"]:
        rows = pairs.get(entry["round"])
        if rows:
            entry["sections"] = [
                {
                    "title": "Pairs",
                    "headers": [
                        "row",
                        "move",
                        "payoff",
                        "column",
                        "move",
                        "payoff",
                        "round together",
                        "row's reason",
                        "column's reason",
                    ],
                    "rows": rows,
                    "numeric": [2, 5],
                }
            ]
    return data


def institution_sections(events: Sequence[Any]) -> list[dict[str, Any]]:
    """With reputation on: the per-pair belief table after the last round (row: observer,
    column: target; the report draws it as a table, shaded by value in report.js's generic
    table view), and with partner choice the refusals per round."""
    from society.institutions.reputation import reputation_table

    found: list[dict[str, Any]] = []
    table = reputation_table(events)
    if table is not None:
        members = table["members"]
        found.append(
            {
                "title": f"Reputation after round {table['round']}: the row's belief that the "
                "column cooperates",
                "headers": ["observer", *members],
                "rows": [
                    [
                        o,
                        *(
                            "–" if table["rows"][o][t] is None else round(table["rows"][o][t], 2)
                            for t in members
                        ),
                    ]
                    for o in members
                ],
                "numeric": list(range(1, len(members) + 1)),
                "heatmap": {"members": members, "beliefs": table["rows"]},
            }
        )
    choices = [e for e in events if e.kind == "partners_chosen"]
    if choices:
        found.append(
            {
                "title": "Partner choice per round",
                "headers": ["round", "scheduled pairs", "pairs played", "refusals", "unmatched"],
                "rows": [
                    [e.round, len(e.scheduled), len(e.pairs), len(e.refusals), len(e.unmatched)]
                    for e in choices
                ],
                "numeric": [0, 1, 2, 3, 4],
            }
        )
    return found
