"""How a generation turnover reads in `society inspect` and in the report's round data."""

from __future__ import annotations

from typing import Any

from society.games.commons.generation_events import GenerationTurnover


def turnover_line(event: GenerationTurnover) -> str:
    inherited = ", ".join(event.inherit) or "nothing"
    memories = sum(event.memories.values())
    norm = "reset to the scenario's" if event.norm_reset else "carried over"
    return (
        f"  generation {event.generation} takes over: {len(event.retired)} retired "
        f"({', '.join(event.retired) or 'none alive'}), {len(event.born)} born "
        f"({', '.join(event.born)}); inherited: {inherited}; memories copied: {memories}; "
        f"strategies taken over: {event.strategies}; norm {norm} (limit {event.norm_limit:g})"
    )


def turnover_data(event: GenerationTurnover) -> dict[str, Any]:
    return {
        "generation": event.generation,
        "retired": event.retired,
        "born": event.born,
        "successors": event.successors,
        "inherit": event.inherit,
        "memories": event.memories,
        "strategies": event.strategies,
        "norm_limit": event.norm_limit,
        "norm_reset": event.norm_reset,
    }
