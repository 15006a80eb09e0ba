"""`society inspect` for a public-goods run: per round the contributions, the punishment (by
the institution's own line) and the payoffs; `--agent` keeps what concerns one member (its
decisions and rationales too), `--prompts` shows every model call as sent."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from society.core.institution import describers
from society.core.presentation import describe
from society.games.public_goods.describe import contributions_text, involves, round_text
from society.games.public_goods.scenario import GAME

QUIET = {"memory_retrieved", "run_started"}


def line(event: Any, institutions: dict[str, Any]) -> str | None:
    from rich.markup import escape

    kind = event.kind
    if kind == "contributions":
        return f"[bold]round {event.round}[/] {escape(contributions_text(event))}"
    if kind == "public_goods_round":
        return f"  {escape(round_text(event))}"
    if kind == "decision":
        shown = ", ".join(f"{k}={v}" for k, v in event.decision.items() if k != "rationale")
        why = event.decision.get("rationale", "")
        return f"  [dim]{escape(event.agent)} {event.phase} ({event.source}):[/] {escape(shown)} — {escape(why)}"
    if kind in institutions:
        return f"  {escape(institutions[kind](event))}"
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

    institutions = describers(GAME)
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
        text = line(event, institutions)
        console.print(text if text is not None else escape(describe(event)), highlight=False)
