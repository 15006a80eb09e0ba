"""Terminal rendering for `society inspect` (rich tables)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from society.games.commons.events import HarvestResolved, RoundStarted
from society.games.commons.generation_events import GenerationTurnover
from society.games.commons.generation_view import turnover_line
from society.games.commons.rounds import AgentTurnView, Governance, round_summaries
from society.transcript.events import Event, kind_of


def _num(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def exclusions(events: Sequence[Event]) -> dict[int, list[str]]:
    """Round -> the agents a sanction excluded from harvesting that round (from round_started,
    and the harvest event, which also lists them)."""
    out: dict[int, set[str]] = {}
    for event in events:
        if isinstance(event, RoundStarted | HarvestResolved) and event.excluded:
            out.setdefault(event.round, set()).update(event.excluded)
    return {number: sorted(agents) for number, agents in out.items()}


def print_rounds(
    console: Console, run_dir: Path, events: Sequence[Event], only: int | None
) -> None:
    excluded = exclusions(events)
    table = Table(title=f"Rounds of {run_dir}" if only is None else f"Round {only} of {run_dir}")
    columns = (
        "round",
        "stock",
        "norm",
        "harvest",
        "stock end",
        "alive",
        "excluded",
        "inspected (viol.)",
        "messages",
        "sanctions",
        "new norm",
        "copies",
        "failures",
        "died",
        "end",
    )
    for column in columns:
        left = {"died", "end", "excluded"}
        table.add_column(column, justify="left" if column in left else "right")
    for s in round_summaries(events):
        if only is not None and s.round != only:
            continue
        table.add_row(
            str(s.round),
            _num(s.stock_start),
            _num(s.norm_limit),
            _num(s.harvest_total),
            _num(s.stock_end),
            str(s.alive),
            ", ".join(excluded.get(s.round, [])),
            f"{s.inspections} ({s.violations_seen})",
            str(s.messages),
            str(s.sanctions),
            _num(s.norm_adopted),
            str(s.copies),
            str(s.failures),
            ", ".join(s.died),
            s.end_reason or "",
        )
    console.print(table)


def print_governance(
    console: Console, g: Governance, events: Sequence[Event], excluded: Sequence[str] = ()
) -> None:
    """One round: the norm in force and who joined or sits out, then each institution's block
    (`Institution.inspect_section`) for `events`, that round's."""
    console.print(
        f"[bold]Round {g.round}[/] norm in force: «{escape(g.norm_text)}» (limit {_num(g.norm_limit)})",
        highlight=False,
    )
    if excluded:
        console.print(
            f"  excluded from harvesting this round (sanction): {', '.join(excluded)}",
            highlight=False,
        )
    if g.turnover is not None:
        console.print(turnover_line(g.turnover), highlight=False)
    for joined in g.joined:
        console.print(f"  {joined.agent} ({joined.group}) joins the commons", highlight=False)
    sections = _sections(events)
    for _, section in sections:
        section(console, events)


def _sections(events: Sequence[Event]) -> list[tuple[int, Any]]:
    """The institutions' blocks for one round's events, in the order their events occurred."""
    from society.core.institution import for_game

    found = []
    for institution in for_game("commons"):
        if institution.inspect_section is None:
            continue
        kinds = {kind_of(kind) for kind in institution.events}
        first = next((e.seq for e in events if e.kind in kinds), None)
        if first is not None:
            found.append((first, institution.inspect_section))
    return sorted(found, key=lambda item: item[0])


def other_lines(events: Sequence[Event], round_number: int) -> list[tuple[int, str]]:
    """(seq, line) for the round's events the commons' own views do not show: an institution
    module's, in its own words (its `describe`), and any other kind generically, by its fields."""
    from society.core.institution import describers, for_game
    from society.core.presentation import describe
    from society.games.commons.events import EVENTS
    from society.transcript.events import CORE_KINDS, kind_of

    shown = set(CORE_KINDS) | {kind_of(kind) for kind in EVENTS}
    for institution in for_game("commons"):
        if institution.inspect_section is not None:
            shown |= {kind_of(kind) for kind in institution.events}
    words = describers("commons")
    return [
        (event.seq, words.get(event.kind, describe)(event))
        for event in events
        if event.round == round_number and event.kind not in shown
    ]


def print_others(console: Console, events: Sequence[Event], round_number: int) -> None:
    lines = other_lines(events, round_number)
    if lines:
        console.print("[bold]Institutions and other events[/]")
        for seq, line in lines:
            console.print(f"  #{seq} {escape(line)}", highlight=False)


def _summary(decision: dict) -> str:
    parts = []
    for key, value in decision.items():
        if key in {"rationale", "messages"}:
            continue
        if isinstance(value, float):
            parts.append(f"{key}={value:.3f}")
        elif isinstance(value, list):
            parts.append(f"{key}=[{', '.join(map(str, value))}]")
        else:
            parts.append(f"{key}={value}")
    if decision.get("messages"):
        parts.append(f"messages={len(decision['messages'])}")
    return ", ".join(parts)


def print_turns(
    console: Console,
    turns: Sequence[AgentTurnView],
    excluded: Sequence[tuple[int, str]] = (),
) -> None:
    """The decisions, and a row for each (round, agent) in `excluded`: an excluded agent makes
    no harvest decision, and its round would otherwise just be missing."""
    table = Table(title="Decisions")
    for column in (
        "round",
        "phase",
        "agent",
        "source",
        "decision",
        "harvested",
        "rationale / failure",
        "calls",
    ):
        table.add_column(column)
    rows: list[tuple[int, int, list[str]]] = []
    for number, agent in excluded:
        cells = [str(number), "harvest", agent, "-", "EXCLUDED", "-"]
        rows.append((number, 0, [*cells, "excluded from harvesting by a sanction", "0"]))
    for index, t in enumerate(turns):
        if t.decision is not None:
            shown, why, source = (
                _summary(t.decision.decision),
                str(t.decision.decision.get("rationale", "")),
                t.decision.source,
            )
        elif t.failure is not None:
            shown, why, source = "FAILED", f"{t.failure.error} (policy: {t.failure.policy})", "-"
        else:
            continue
        cells = [str(t.round), t.phase, t.agent, source, escape(shown), _num(t.harvested)]
        rows.append((t.round, index + 1, [*cells, escape(why), str(len(t.calls))]))
    for _, _, cells in sorted(rows, key=lambda r: (r[0], r[1])):
        table.add_row(*cells)
    console.print(table)


def print_calls(
    console: Console, turns: Sequence[AgentTurnView], timings: dict[int, float]
) -> None:
    for t in turns:
        for call in t.calls:
            latency = timings.get(call.seq)
            took = f", {latency:.3f}s" if latency is not None else ""
            console.rule(
                f"round {call.round} · {call.agent} · {call.prompt_id} attempt {call.attempt} · "
                f"{call.input_tokens}+{call.output_tokens} tokens{took}"
            )
            for message in call.messages:
                console.print(f"[bold]{message.role}:[/]", highlight=False)
                console.print(message.content, markup=False, highlight=False)
            console.print("[bold]reply:[/]", highlight=False)
            console.print(
                call.reply if call.reply is not None else "(none)", markup=False, highlight=False
            )
            if call.error:
                console.print(f"[red]error:[/] {escape(call.error)}", highlight=False)


def print_memories(
    console: Console, events: Sequence[Event], agent: str, round_number: int | None
) -> None:
    """What `agent` recalled before each decision (with the score terms) and its reflections."""
    from society.transcript.events import MemoryRetrieved, ReflectionStored

    for event in events:
        if round_number is not None and event.round != round_number:
            continue
        if isinstance(event, MemoryRetrieved) and event.agent == agent:
            table = Table(
                title=f"Recalled by {agent} for its {event.phase} decision, round {event.round}"
                + (f" ({event.dropped} dropped to fit the prompt budget)" if event.dropped else "")
            )
            for column in (
                "round",
                "kind",
                "memory",
                "score",
                "recency",
                "importance",
                "relevance",
            ):
                table.add_column(
                    column, justify="left" if column in {"kind", "memory"} else "right"
                )
            kept = len(event.items) - event.dropped
            for index, m in enumerate(event.items):
                mark = " (pinned)" if m.pinned else ""
                mark += " (dropped)" if index >= kept else ""
                table.add_row(
                    str(m.round),
                    m.kind + mark,
                    escape(m.text),
                    f"{m.score:.3f}",
                    f"{m.recency:.3f}",
                    f"{m.importance:.3f}",
                    f"{m.relevance:.3f}",
                )
            console.print(table)
        elif isinstance(event, ReflectionStored) and event.agent == agent:
            console.print(
                f"[bold]Reflection of {agent}, round {event.round}[/] ({event.source}, "
                f"importance {event.importance:.2f}): {escape(event.text)}",
                highlight=False,
            )


def inspect_run(
    console: Console,
    run_dir: Path,
    events: Sequence[Event],
    *,
    agent: str | None,
    round: int | None,
    prompts: bool,
) -> None:
    """`society inspect` of a commons run: the rounds table (only the round asked for, with
    `round`; none with `agent`, which shows the agent's decisions alone); with `round`, that
    round's governance; with `agent`, its decisions (and with both, its memories); with
    `prompts`, every model call. Excluded agents are shown, not left out."""
    from society.games.commons.rounds import agent_turns, governance
    from society.transcript.reader import TranscriptError, read_timings

    if agent is None:
        print_rounds(console, run_dir, events, round)
    if agent is None and round is None:
        # Runs with generations: each turnover under the table (a round's view shows its own).
        for event in events:
            if isinstance(event, GenerationTurnover):
                console.print(f"Round {event.round}:{turnover_line(event)}", highlight=False)
    excluded = exclusions(events)
    if round is not None:
        in_round = [e for e in events if e.round == round]
        print_governance(console, governance(events, round), in_round, excluded.get(round, []))
        print_others(console, events, round)
    if agent is None and round is None:
        return
    turns = agent_turns(events, agent, round)
    shut_out = [
        (number, name)
        for number, names in sorted(excluded.items())
        for name in names
        if (round is None or number == round) and (agent is None or name == agent)
    ]
    if agent is not None and not turns and not shut_out:
        raise TranscriptError(f"no decisions by agent {agent!r} in {run_dir}")
    print_turns(console, turns, shut_out)
    if agent is not None and round is not None:
        print_memories(console, events, agent, round)
    if prompts:
        print_calls(console, turns, read_timings(run_dir))
