"""The HTML report's data for a donor run: the generic rounds of events
(society.core.presentation) plus donor sections the page draws as charts and tables."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from society.core.presentation import generic_report_data
from society.games.donor.describe import act_text, strategy_event_text, strategy_text, trace_text


def build_run_data(events: Sequence[Any], timings: Mapping[int, float], metrics: Any) -> Any:
    data = generic_report_data(events, timings, metrics)
    generations, strategies = [], []
    donations: dict[int, list[list[Any]]] = defaultdict(list)
    for event in events:
        if event.kind == "generation_ended":
            generations.append(event)
        elif event.kind == "strategy":
            strategies.append([event.generation, event.agent, strategy_event_text(event)])
        elif event.kind == "donation":
            donations[event.round].append(
                [
                    event.donor,
                    event.recipient,
                    act_text(event.action, event.fraction, event.given, event.received, event.punished, event.cost),
                    event.donor_resources,
                    event.recipient_resources,
                    trace_text(event.trace),
                ]
            )
    sections = [
        {
            "title": "Mean final resources per generation",
            "y_label": "units",
            "series": [
                {
                    "label": "mean final resources",
                    "color": "#2a7",
                    "points": [[g.generation, g.mean_final_resources] for g in generations],
                }
            ],
            "headers": ["generation", "mean final resources", "game means", "survivors"],
            "rows": [
                [
                    g.generation,
                    g.mean_final_resources,
                    ", ".join(f"{m:.2f}" for m in g.game_means),
                    ", ".join(g.survivors) or "–",
                ]
                for g in generations
            ],
            "numeric": [0, 1],
        },
        {
            "title": "Strategies",
            "headers": ["generation", "agent", "strategy"],
            "rows": strategies,
            "numeric": [0],
        },
        {
            "title": "Final strategies and scores",
            "headers": ["generation", "agent", "score", "strategy"],
            "rows": [
                [g.generation, agent, g.scores[agent], strategy_text(g.strategies.get(agent))]
                for g in generations
                for agent in sorted(g.scores, key=lambda a: -g.scores[a])
            ],
            "numeric": [0, 2],
        },
    ]
    data.core["sections"] = sections
    # Every possible newcomer is listed up front (run_started); the page shows who played.
    played = {a for e in events if e.kind == "generation_started" for a in e.members}
    data.core["agents"] = [a for a in data.core["agents"] if a["id"] in played]
    for entry in data.core["rounds"]:
        rows = donations.get(entry["round"])
        if rows:
            entry["sections"] = [
                {
                    "title": "Donations",
                    "headers": ["donor", "recipient", "act", "donor had", "recipient had", "trace seen"],
                    "rows": rows,
                    "numeric": [3, 4],
                }
            ]
    return data
