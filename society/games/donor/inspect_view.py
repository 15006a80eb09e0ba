"""`society inspect` for a donor run: generations (members, survivors, strategies), each
round's pairs, the trace each donor saw and what it did; model calls with --prompts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from society.core.presentation import describe
from society.games.donor.describe import act_text, strategy_event_text, trace_text

QUIET = {"decision", "run_started"}  # shown through other events


def involves(event: Any, agent: str) -> bool:
    data = event.model_dump()
    if agent in (data.get("agent"), data.get("donor"), data.get("recipient")):
        return True
    if event.kind == "donor_round_started":
        return any(agent in pair for pair in data["pairs"])
    return event.kind in {"generation_started", "generation_ended", "donor_game_ended", "run_finished"}


def line(event: Any) -> str | None:
    """Rich markup; every text an agent wrote is escaped."""
    from rich.markup import escape

    kind = event.kind
    if kind == "generation_started":
        return (
            f"[bold]generation {event.generation}[/]: members {', '.join(event.members)}"
            + (f"; survivors {', '.join(event.survivors)}" if event.survivors else "")
            + (f"; newcomers {', '.join(event.newcomers)}" if event.generation > 1 else "")
        )
    if kind == "strategy":
        return f"strategy {escape(strategy_event_text(event))}"
    if kind == "donor_round_started":
        pairs = ", ".join(f"{a}→{b}" for a, b in event.pairs)
        return f"[bold]round {event.round}[/] (generation {event.generation}, game {event.game}, round {event.game_round}): {pairs}"
    if kind == "donation":
        act = act_text(event.action, event.fraction, event.given, event.received, event.punished, event.cost)
        return (
            f"  {event.donor} ({event.donor_resources:.2f}) → {event.recipient} "
            f"({event.recipient_resources:.2f}): {act}\n     saw: {trace_text(event.trace)}"
        )
    if kind == "donor_game_ended":
        return f"game {event.game} of generation {event.generation} ended: mean final resources {event.mean_final_resources:.2f}"
    if kind == "generation_ended":
        ranked = ", ".join(f"{a} {s:.1f}" for a, s in sorted(event.scores.items(), key=lambda x: -x[1]))
        survivors = ", ".join(event.survivors) or "none (last generation)"
        return (
            f"[bold]generation {event.generation} ended[/]: mean final resources "
            f"{event.mean_final_resources:.2f}; scores {ranked}; survivors {survivors}"
        )
    return None


def inspect_run(
    console: Any,
    events: Sequence[Any],
    *,
    agent: str | None,
    round: int | None,
    prompts: bool,
) -> None:
    from rich.markup import escape

    for event in events:
        if round is not None and event.round != round:
            continue
        if agent is not None and not involves(event, agent):
            continue
        if event.kind == "llm_call":
            if prompts:
                console.print(f"[dim]llm_call {escape(event.agent)} {event.phase} attempt {event.attempt}[/]")
                for message in event.messages:
                    console.print(f"[cyan]{message.role}[/]: {escape(message.content)}", highlight=False)
                console.print(f"[cyan]reply[/]: {escape(event.reply or event.error or '')}", highlight=False)
            continue
        if event.kind in QUIET or (event.kind == "donor_round_finished" and not event.failed):
            continue
        text = line(event)
        if text is None:
            console.print(escape(describe(event)), highlight=False)
        else:
            console.print(text, highlight=False)
