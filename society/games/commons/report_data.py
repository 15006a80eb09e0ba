"""A commons run's transcript as the plain data the HTML report draws: rounds, agents, turns, and the
provenance of each turn (prompt, recalled memories, reply), split per round so the page can
decode one round's prompts only when a decision of that round is opened."""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError

from society.games.commons.dynamics.sustainability import sustainable_threshold
from society.games.commons.events import AgentDied, HarvestResolved, PayoffsSettled
from society.games.commons.generation_view import turnover_data
from society.games.commons.inspect_view import other_lines
from society.games.commons.rounds import AgentTurnView, agent_turns, governance, round_summaries
from society.games.commons.scenario import Scenario
from society.report.extract import RunData
from society.transcript.events import (
    Event,
    LLMCall,
    MemoryRetrieved,
    ReflectionStored,
    RunFinished,
    RunStarted,
)
from society.transcript.reader import TranscriptError

DATA_VERSION = 1


def build_run_data(
    events: Sequence[Event], timings: dict[int, float], metrics: dict[str, Any] | None
) -> RunData:
    started = events[0]
    assert isinstance(started, RunStarted)
    try:
        scenario = Scenario.model_validate(started.scenario)
    except ValidationError as error:
        raise TranscriptError(f"run_started holds an invalid scenario: {error}") from None
    by_round: dict[int, list[Event]] = defaultdict(list)
    for event in events:
        by_round[event.round].append(event)
    agent_ids = [a.id for a in started.agents]
    index = {name: i for i, name in enumerate(agent_ids)}
    for event in events:  # newcomers may not be listed in run_started
        name = getattr(event, "agent", None)
        if isinstance(name, str) and name not in index:
            index[name] = len(agent_ids)
            agent_ids.append(name)

    reflection_rows, reflections = _reflections(events, index)
    recalls = _recalls(events)
    finished = next((e for e in reversed(events) if isinstance(e, RunFinished)), None)
    core: dict[str, Any] = {
        "v": DATA_VERSION,
        "run": {
            "id": started.run_id,
            "scenario": started.scenario_name,
            "seed": started.seed,
            "rounds_limit": scenario.rounds,
            "rounds_completed": finished.rounds_completed if finished else None,
            "end_reason": finished.end_reason if finished else None,
            "final_stock": finished.final_stock if finished else None,
            "harvest_mode": scenario.commons.harvest,
            "capacity": scenario.commons.capacity,
            "unit": scenario.commons.resource.unit,
            # What the `sustainable` series is: a constant MSY on a logistic commons.
            "sustainable_label": sustainable_label(scenario),
            "society_version": started.society_version,
            "institutions": {
                name: bool(getattr(value, "enabled", False))
                for name, value in scenario.institutions
            },
        },
        "scenario": started.scenario,
        "metrics": metrics,
        "agents": _agents(started, agent_ids),
        "rounds": [
            _round(summary.round, by_round[summary.round], summary, scenario)
            for summary in round_summaries(events)
        ],
        "reflections": reflection_rows,
        "turns": [],
    }
    data = RunData(core)
    for turn in agent_turns(events):
        row, detail = _turn(turn, index, reflections, recalls, timings)
        core["turns"].append(row)
        data.provenance.setdefault(turn.round, {})[str(row[0])] = detail
    return data


def _agents(started: RunStarted, agent_ids: list[str]) -> list[dict[str, Any]]:
    info = {a.id: a for a in started.agents}
    out = []
    for name in agent_ids:
        a = info.get(name)
        out.append(
            {
                "id": name,
                "group": a.group if a else "",
                "persona": a.persona if a else "",
                "model": a.model if a else "",
            }
        )
    return out


def sustainable_label(scenario: Scenario) -> dict[str, str]:
    """Chart and column labels of the `sustainable` series, per regrowth kind: on a logistic
    commons it is the maximum sustainable yield, one constant; under doubling it is f(t)."""
    if scenario.commons.regrowth.kind == "logistic":
        return {"long": "maximum sustainable yield (r·K/4)", "short": "MSY"}
    return {"long": "sustainable group harvest f(t) = R·(1 − 1/factor)", "short": "f(t)"}


def _round(number: int, events: list[Event], summary: Any, scenario: Scenario) -> dict[str, Any]:
    g = governance(events, number)
    harvest = next((e for e in events if isinstance(e, HarvestResolved)), None)
    payoffs = next((e for e in events if isinstance(e, PayoffsSettled)), None)
    stock = harvest.stock_before if harvest else summary.stock_start
    return {
        "r": number,
        "stock": summary.stock_start,
        "stock_end": summary.stock_end,
        "harvest": summary.harvest_total,
        # f(t): the group harvest the commons can sustain this round.
        "sustainable": sustainable_threshold(stock, scenario.commons),
        "alive": summary.alive,
        "norm_limit": g.norm_limit,
        "norm_text": g.norm_text,
        "requested": harvest.requested if harvest else {},
        "harvested": harvest.harvested if harvest else {},
        "rationed": harvest.rationed if harvest else False,
        "skipped": harvest.skipped if harvest else [],
        "excluded": harvest.excluded if harvest else [],
        "payoffs": payoffs.payoffs if payoffs else {},
        "starved": payoffs.starved if payoffs else [],
        "died": [e.agent for e in events if isinstance(e, AgentDied)],
        "joined": [[e.agent, e.group] for e in g.joined],
        # Runs with generations only: the turnover at this round (who retired, who was born).
        **({"turnover": turnover_data(g.turnover)} if g.turnover is not None else {}),
        # Each institution's keys (`Institution.report_round`): present whether it ran or not.
        **_institution_keys(events),
        "failures": summary.failures,
        "end_reason": summary.end_reason,
        # Institution modules' events (and any unknown kind), one line each.
        "others": [[seq, line] for seq, line in other_lines(events, number)],
    }


def _institution_keys(events: list[Event]) -> dict[str, Any]:
    from society.core.institution import for_game

    found: dict[str, Any] = {}
    for institution in for_game("commons"):
        if institution.report_round is not None:
            found.update(institution.report_round(events))
    return found


def _reflections(
    events: Sequence[Event], index: dict[str, int]
) -> tuple[list[list[Any]], dict[str, tuple[list[int], list[int]]]]:
    """Rows [seq, round, agent index, text, importance, source] in log order, and per agent
    the seqs of its reflections with their row positions (to find the one in force)."""
    rows: list[list[Any]] = []
    by_agent: dict[str, tuple[list[int], list[int]]] = defaultdict(lambda: ([], []))
    for e in events:
        if isinstance(e, ReflectionStored):
            by_agent[e.agent][0].append(e.seq)
            by_agent[e.agent][1].append(len(rows))
            rows.append([e.seq, e.round, index[e.agent], e.text, e.importance, e.source])
    return rows, dict(by_agent)


def _recalls(events: Sequence[Event]) -> dict[tuple[int, str, str], list[MemoryRetrieved]]:
    found: dict[tuple[int, str, str], list[MemoryRetrieved]] = defaultdict(list)
    for e in events:
        if isinstance(e, MemoryRetrieved):
            found[(e.round, e.agent, e.phase)].append(e)
    return found


def _turn_seq(turn: AgentTurnView) -> int:
    if turn.decision is not None:
        return turn.decision.seq
    if turn.failure is not None:
        return turn.failure.seq
    return turn.calls[-1].seq


def _turn(
    turn: AgentTurnView,
    index: dict[str, int],
    reflections: dict[str, tuple[list[int], list[int]]],
    recalls: dict[tuple[int, str, str], list[MemoryRetrieved]],
    timings: dict[int, float],
) -> tuple[list[Any], dict[str, Any]]:
    """The turn's row for the tables, and its provenance for the detail view."""
    seq = _turn_seq(turn)
    # The reflection in force: the agent's latest one written before this decision.
    mine = reflections.get(turn.agent, ([], []))
    at = bisect_left(mine[0], seq)
    in_force = mine[1][at - 1] if at else -1
    recall = next(
        (r for r in reversed(recalls.get((turn.round, turn.agent, turn.phase), [])) if r.seq < seq),
        None,
    )
    latencies = [timings[c.seq] for c in turn.calls if c.seq in timings]
    failure = turn.failure
    row = [
        seq,
        turn.round,
        index[turn.agent],
        turn.phase,
        turn.decision.source if turn.decision else None,
        turn.decision.decision if turn.decision else None,
        turn.decision.attempts if turn.decision else (failure.attempts if failure else 0),
        (
            {
                "error": failure.error,
                "reason": failure.reason,
                "policy": failure.policy,
                "last_reply": failure.last_reply,
            }
            if failure
            else None
        ),
        len(turn.calls),
        sum(c.input_tokens for c in turn.calls),
        sum(c.output_tokens for c in turn.calls),
        round(sum(latencies), 4) if latencies else None,
        in_force,
        turn.harvested,
    ]
    detail = {
        "calls": [_call(c, timings) for c in turn.calls],
        "recall": (
            {
                "query": recall.query,
                "dropped": recall.dropped,
                "items": [
                    [
                        m.round,
                        m.kind,
                        m.text,
                        m.score,
                        m.recency,
                        m.importance,
                        m.relevance,
                        m.pinned,
                    ]
                    for m in recall.items
                ],
            }
            if recall
            else None
        ),
    }
    return row, detail


def _call(call: LLMCall, timings: dict[int, float]) -> dict[str, Any]:
    return {
        "seq": call.seq,
        "attempt": call.attempt,
        "prompt_id": call.prompt_id,
        "sha": call.template_sha256,
        "model": call.model,
        "mode": call.output_mode,
        "messages": [[m.role, m.content] for m in call.messages],
        "reply": call.reply,
        "parsed": call.parsed,
        "error": call.error,
        "tokens": [call.input_tokens, call.output_tokens, call.token_source],
        "budget": call.token_budget,
        "dropped": call.memories_dropped,
        "cost": call.cost,
        "latency": timings.get(call.seq),
    }
