"""The HTML report's data for a public-goods run: the generic rounds of events
(society.core.presentation) plus a chart and table of contributions and punishment per round,
and each round's contributions, drawn by report.js's generic view."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from society.core.presentation import generic_report_data


def build_run_data(events: Sequence[Any], timings: Mapping[int, float], metrics: Any) -> Any:
    from society.games.public_goods.metrics import PublicGoodsMetrics

    data = generic_report_data(events, timings, metrics)
    # The page gets the metrics as metrics.json holds them (a dict).
    run = (
        metrics
        if isinstance(metrics, PublicGoodsMetrics)
        else PublicGoodsMetrics.model_validate(metrics)
    )
    rounds = run.rounds
    payoffs = {e.round: e.payoffs for e in events if e.kind == "public_goods_round"}
    received = {e.round: e.received for e in events if e.kind == "punishment"}
    spent = {e.round: e.spent for e in events if e.kind == "punishment"}
    data.core["sections"] = [
        {
            "title": "Contributions per round",
            "y_label": "tokens",
            "series": [
                {
                    "label": "mean contribution",
                    "color": "#2a7",
                    "points": [[r.round, r.mean_contribution] for r in rounds],
                },
                {
                    "label": "punishment points",
                    "color": "#c33",
                    "points": [[r.round, r.punishment_points] for r in rounds],
                },
            ],
            "headers": [
                "round",
                "mean contribution",
                "share",
                "min",
                "max",
                "mean payoff",
                "efficiency",
                "points",
                "spent",
                "lost",
            ],
            "rows": [
                [
                    r.round,
                    r.mean_contribution,
                    f"{r.contribution_share:.0%}",
                    r.min_contribution,
                    r.max_contribution,
                    r.mean_payoff,
                    "–" if r.efficiency is None else f"{r.efficiency:.2f}",
                    r.punishment_points,
                    r.punishment_spent,
                    r.punishment_lost,
                ]
                for r in rounds
            ],
            "numeric": [0, 1, 3, 4, 5, 7, 8, 9],
        },
        {
            "title": "Payoffs over the run",
            "headers": ["member", "total payoff"],
            "rows": [[a, t] for a, t in sorted(run.totals.items(), key=lambda x: -x[1])],
            "numeric": [1],
        },
    ]
    for entry in data.core["rounds"]:
        number = entry["round"]
        made = next((e for e in events if e.kind == "contributions" and e.round == number), None)
        if made is None:
            continue
        entry["sections"] = [
            {
                "title": "Contributions",
                "headers": [
                    "member",
                    "contributed",
                    "points received",
                    "spent punishing",
                    "payoff",
                ],
                "rows": [
                    [
                        a,
                        c,
                        received.get(number, {}).get(a, 0),
                        spent.get(number, {}).get(a, 0.0),
                        payoffs.get(number, {}).get(a, "–"),
                    ]
                    for a, c in made.contributions.items()
                ],
                "numeric": [1, 2, 3, 4],
            }
        ]
    return data
