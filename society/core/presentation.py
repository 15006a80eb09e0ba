"""How the CLI and the report show a run of a game that gives no views of its own, and an
event of a kind nobody registered: generically, by its fields. A game overrides the `Game`
hooks that use these (`metrics_rows`, `inspect`, `report_data`, `experiment_rows`)."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel


@dataclass
class RunData:
    """What the HTML report draws of a run (`Game.report_data`): `core` is drawn at once;
    `provenance[round]` only when a decision of that round opens. Defined here, not in
    `society.report`, so that the core's generic default needs no layer above it."""

    core: dict[str, Any]
    provenance: dict[int, dict[str, Any]] = field(default_factory=dict)


# Fields every event has; a generic line shows the others.
_COMMON = {"schema_version", "kind", "run_id", "round", "seq"}
FIELD_TEXT_MAX = 160  # characters of one field's value in a generic line [O]


def scalar_row(metrics: BaseModel) -> dict[str, Any]:
    """A metrics model's numbers, flags and texts (nested models flattened with dots)."""
    row: dict[str, Any] = {}

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, BaseModel):
            for name in type(value).model_fields:
                walk(f"{prefix}{name}.", getattr(value, name))
        elif isinstance(value, bool | int | float | str) or value is None:
            row[prefix.rstrip(".")] = value

    walk("", metrics)
    return row


def scalar_rows(metrics: BaseModel) -> list[tuple[str, str]]:
    """The metrics table's rows; model usage only when the run made model calls."""
    row = scalar_row(metrics)
    no_calls = row.get("llm.calls") == 0
    return [
        (name, f"{value:.3f}" if isinstance(value, float) else str(value))
        for name, value in row.items()
        if name != "run_id" and not (no_calls and name.startswith("llm."))
    ]


def describe(event: Any) -> str:
    """One line of an event's own fields, values shortened."""
    data = event.model_dump(mode="json") if isinstance(event, BaseModel) else dict(event)
    parts = []
    for name, value in data.items():
        if name in _COMMON:
            continue
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        if len(text) > FIELD_TEXT_MAX:
            text = text[: FIELD_TEXT_MAX - 1] + "…"
        parts.append(f"{name}={text}")
    return f"{data.get('kind', '?')}: " + " ".join(parts)


def print_events(
    console: Any,
    events: Sequence[Any],
    *,
    agent: str | None = None,
    round: int | None = None,
    prompts: bool = False,
) -> None:
    """Every event (or one round's, or one agent's), one line each, grouped by round. Model
    calls are summarised unless `prompts`."""
    from rich.markup import escape

    for event in events:
        if round is not None and event.round != round:
            continue
        who = getattr(event, "agent", None)
        if agent is not None and who not in (None, agent):
            continue
        if event.kind == "llm_call" and not prompts:
            line = f"llm_call: {event.agent} {event.phase} attempt {event.attempt}"
        else:
            line = describe(event)
        console.print(f"[dim]r{event.round} #{event.seq}[/] {escape(line)}", highlight=False)


def generic_report_data(
    events: Sequence[Any], timings: Mapping[int, float], metrics: Any
) -> Any:
    """Report data for a game without a report view of its own: the run, its agents and each
    round's events by their fields (the page draws them as tables)."""
    started = events[0]
    by_round: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for event in events[1:]:
        by_round[event.round].append({"seq": event.seq, "kind": event.kind, "text": describe(event)})
    core = {
        "generic": True,
        "run": {
            "id": started.run_id,
            "scenario": started.scenario_name,
            "seed": started.seed,
            "game": started.scenario.get("game", "commons"),
        },
        "agents": [a.model_dump() for a in started.agents],
        "metrics": metrics,
        "rounds": [{"round": n, "events": rows} for n, rows in sorted(by_round.items())],
    }
    return RunData(core=core)
