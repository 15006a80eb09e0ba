"""Terminal rendering for `society inspect` (rich tables)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from society.games.commons.events import HarvestResolved, RoundStarted
from society.games.commons.rounds import AgentTurnView, Governance, round_summaries
from society.transcript.events import Event


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


def ladder_step(step: int) -> str:
    """A sanction's ladder step as the `sanction` event numbers it: from 0, the first entry
    of `sanctions.ladder` (README, Institutions)."""
    return f"ladder step {step}"


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


def print_governance(console: Console, g: Governance, excluded: Sequence[str] = ()) -> None:
    console.print(
        f"[bold]Round {g.round}[/] norm in force: «{escape(g.norm_text)}» (limit {_num(g.norm_limit)})",
        highlight=False,
    )
    if excluded:
        console.print(
            f"  excluded from harvesting this round (sanction): {', '.join(excluded)}",
            highlight=False,
        )
    for joined in g.joined:
        console.print(f"  {joined.agent} ({joined.group}) joins the commons", highlight=False)
    if g.inspections:
        console.print("[bold]Monitoring[/]")
        for i in g.inspections:
            verdict = "[red]broke the norm[/]" if i.violated else "kept the norm"
            console.print(
                f"  {i.monitor} inspected {i.target}: took {i.harvest:.2f}, {verdict}",
                highlight=False,
            )
    if g.messages:
        console.print("[bold]Messages[/]")
        for m in g.messages:
            claims = "".join(
                f" [claims {c.about} took {c.harvest:g} in round {c.round}]" for c in m.claims
            )
            console.print(
                f"  {m.sender} → {m.to}: «{escape(m.text)}»{escape(claims)}", highlight=False
            )
    if g.sanctions:
        console.print("[bold]Sanctions[/]")
        for s in g.sanctions:
            detail = (
                f"fine {s.fine:g}"
                if s.sanction == "fine"
                else (
                    f"excluded {s.exclusion_rounds} round(s)"
                    if s.sanction == "exclusion"
                    else "warning"
                )
            )
            console.print(
                f"  {s.punisher} → {s.target} (took {_num(s.target_harvest)}): "
                f"{ladder_step(s.step)}, {detail}; cost {s.punisher_cost:g}",
                highlight=False,
            )
    if g.town_hall is not None:
        console.print(
            f"[bold]Town hall[/] (opened by {g.town_hall.first_speaker})", highlight=False
        )
        if g.town_hall.catches is not None:
            catches = ", ".join(f"{a} {c:g}" for a, c in g.town_hall.catches.items())
            console.print(f"  catches: {catches}", highlight=False)
        for u in g.utterances:
            proposal = f" [proposes {u.proposed_limit:g}]" if u.proposed_limit is not None else ""
            console.print(f"  {u.speaker}: «{escape(u.text)}»{escape(proposal)}", highlight=False)
        agreed = sorted({a.agreed_limit for a in g.agreements if a.agreed_limit is not None})
        if g.agreements:
            console.print(
                f"  noted agreed limit(s): {', '.join(f'{x:g}' for x in agreed) or 'none'}",
                highlight=False,
            )
    if g.ballot is not None:
        console.print("[bold]Proposals and votes[/]")
        counts = g.vote.counts if g.vote else {}
        for pid, p in g.ballot.proposals.items():
            mark = " [green]← adopted[/]" if g.adopted and g.adopted.proposal == pid else ""
            proposers = ", ".join(p.get("proposers", [p["author"]]))
            console.print(
                f"  {pid} by {proposers}: «{escape(p['text'])}» limit {p['limit']:g}: {counts.get(pid, 0)} vote(s){mark}",
                highlight=False,
            )
        if g.vote is not None:
            votes = ", ".join(f"{voter}→{choice}" for voter, choice in g.vote.votes.items())
            console.print(
                f"  votes: {votes}"
                + (
                    f" (tie among {', '.join(g.vote.tied)} broken by seeded draw)"
                    if len(g.vote.tied) > 1
                    else ""
                ),
                highlight=False,
            )
    if g.learning:
        console.print("[bold]Learning[/]")
        for u in g.learning:
            if u.copied:
                console.print(
                    f"  {u.agent} copied {u.followed}"
                    + (f" (p={u.copy_probability:.2f})" if u.copy_probability is not None else ""),
                    highlight=False,
                )
        changed = [u for u in g.learning if not u.copied]
        if changed:
            console.print(
                f"  {len(changed)} agent(s) kept their own strategy (adjusted by experience)",
                highlight=False,
            )


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
    excluded = exclusions(events)
    if round is not None:
        print_governance(console, governance(events, round), excluded.get(round, []))
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
