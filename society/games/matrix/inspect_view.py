"""`society inspect` for a matrix run: each round's pairs and each pair's moves and payoffs
(`--agent` keeps its own, `--round` one round), the institutions' lines (partner choice,
punishment, reputation), model calls with --prompts, and at the end the round-robin table of
the whole run and, with reputation on, the per-pair belief table (after `--round` if given)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from society.core.presentation import describe

QUIET = {"decision", "run_started", "matrix_round_finished"}  # shown through other events


def involves(event: Any, agent: str) -> bool:
    data = event.model_dump()
    if agent in (data.get("agent"), data.get("row"), data.get("column")):
        return True
    if event.kind == "partners_chosen":
        return agent in event.accepted or any(agent in (r.by, r.target) for r in event.refusals)
    if event.kind == "punishment":
        return any(agent in (a.by, a.target) for a in event.assignments)
    if event.kind == "matrix_round_started":
        return any(agent in pair for pair in data["pairs"]) or agent in data["sitting_out"]
    return event.kind == "run_finished"


def move_text(event: Any) -> str:
    return (
        f"  {event.row} {event.row_action} ({event.row_payoff:g}) vs {event.column} "
        f"{event.column_action} ({event.column_payoff:g}), round {event.encounter} together"
    )


def line(event: Any) -> str | None:
    """Rich markup; every text an agent wrote is escaped."""
    from rich.markup import escape

    from society.core.institution import describers

    kind = event.kind
    institution_line = describers("matrix").get(kind)
    if institution_line is not None:
        return f"  [magenta]{escape(institution_line(event))}[/]"
    if kind == "matrix_round_started":
        pairs = ", ".join(f"{a}–{b}" for a, b in event.pairs)
        bye = f"; sitting out: {', '.join(event.sitting_out)}" if event.sitting_out else ""
        return f"[bold]round {event.round}[/] (match {event.stage + 1}): {pairs}{bye}"
    if kind == "pair_played":
        return move_text(event)
    if kind == "pair_void":
        return (
            f"  {event.row} vs {event.column}: not played, no usable decision from "
            f"{', '.join(event.failed)}"
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

    rationales = {
        (e.agent, e.round, e.phase): e.decision.get("rationale", "")
        for e in events
        if e.kind == "decision"
    }
    for event in events:
        if round is not None and event.round != round:
            continue
        if agent is not None and not involves(event, agent):
            continue
        if event.kind == "llm_call":
            if prompts:
                console.print(
                    f"[dim]llm_call {escape(event.agent)} {event.phase} attempt {event.attempt}[/]"
                )
                for message in event.messages:
                    console.print(
                        f"[cyan]{message.role}[/]: {escape(message.content)}", highlight=False
                    )
                console.print(
                    f"[cyan]reply[/]: {escape(event.reply or event.error or '')}", highlight=False
                )
            continue
        if event.kind in QUIET:
            continue
        text = line(event)
        if text is None:
            console.print(escape(describe(event)), highlight=False)
            continue
        console.print(text, highlight=False)
        if event.kind in DECIDED and (agent is not None or round is not None):
            for who in sorted(rationales_in(event)):
                why = rationales.get((who, event.round, DECIDED[event.kind]))
                if why and (agent is None or who == agent):
                    console.print(f"     {who}: {escape(why)}", highlight=False)
        if event.kind == "pair_played" and (agent is not None or round is not None):
            for who in (event.row, event.column):
                why = rationales.get((who, event.round, "play"))
                if why and (agent is None or who == agent):
                    console.print(f"     {who}: {escape(why)}", highlight=False)
    if round is None and agent is None:
        from society.games.matrix.metrics import compute_metrics
        from society.games.matrix.tables import metrics_notes

        for note in metrics_notes(compute_metrics(list(events))):
            console.print(note, highlight=False)
    if agent is None:
        from society.institutions.reputation import print_reputation

        print_reputation(console, events, round)


# An institution's event kind -> the phase whose reasons are shown under it.
DECIDED = {"partners_chosen": "choose", "punishment": "punish"}


def rationales_in(event: Any) -> set[str]:
    """The members who decided in the phase of an institution event."""
    if event.kind == "partners_chosen":
        return set(event.accepted) | set(event.failed)
    return {a.by for a in event.assignments}
