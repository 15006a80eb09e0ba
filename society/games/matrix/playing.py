"""Resolving a round's moves: each pair's payoffs, what each player remembers of them, and the
closing step of the round."""

from __future__ import annotations

from typing import Any

from society.coordinator.deps import decided
from society.core.ending import INTERRUPTED
from society.games.matrix.dynamics import history_entry, play, relation_after
from society.games.matrix.events import MatrixRoundFinished, PairPlayed, PairVoid
from society.games.matrix.state import MatrixState

ROUND_LIMIT = "round_limit"


def resolve_moves(state: MatrixState, deps: Any) -> dict[str, Any]:
    """Pairs in schedule order; a pair with a player without a usable decision does not play
    (no payoff, nothing remembered): a failure never becomes a default move."""
    outcomes = state["outcomes"]
    if stop := deps.write_outcomes(outcomes):
        return {"end_reason": stop}
    settings = deps.scenario.matrix
    keep = settings.told.history_rounds
    number = state["round"]
    moves = {agent: d["action"] for agent, d in decided(outcomes).items()}
    relations = {agent: dict(r) for agent, r in state["relations"].items()}
    recent = dict(state["recent"])
    totals, played = dict(state["totals"]), dict(state["played"])
    failed: list[str] = []
    for row, column in state["pairs"]:
        missing = [agent for agent in (row, column) if agent not in moves]
        if missing:
            failed.extend(missing)
            deps.writer.write(PairVoid(round=number, row=row, column=column, failed=missing))
            continue
        outcome = play(settings, moves[row], moves[column])
        encounter = int(relations[row].get(column, {}).get("encounters", 0)) + 1
        deps.writer.write(
            PairPlayed(
                round=number,
                row=row,
                column=column,
                encounter=encounter,
                row_action=outcome.row_action,
                column_action=outcome.column_action,
                row_payoff=outcome.row_payoff,
                column_payoff=outcome.column_payoff,
            )
        )
        sides = (
            (
                row,
                column,
                outcome.row_action,
                outcome.column_action,
                outcome.row_payoff,
                outcome.column_payoff,
            ),
            (
                column,
                row,
                outcome.column_action,
                outcome.row_action,
                outcome.column_payoff,
                outcome.row_payoff,
            ),
        )
        for me, partner, mine, theirs, payoff, partner_payoff in sides:
            relations[me][partner] = relation_after(
                relations[me].get(partner),
                mine=mine,
                theirs=theirs,
                payoff=payoff,
                cooperate=settings.cooperate,
            )
            if keep:
                entry = history_entry(number, partner, mine, theirs, payoff, partner_payoff)
                recent[me] = [*recent[me], entry][-keep:]
            totals[me] += payoff
            played[me] += 1
    return {
        "relations": relations,
        "recent": recent,
        "totals": totals,
        "played": played,
        "failed": sorted(failed),
    }


def close_round(state: MatrixState, deps: Any) -> dict[str, Any]:
    if state["end_reason"] in INTERRUPTED:
        return {}  # the round is cut short: its partial results are discarded
    number = state["round"]
    end = ROUND_LIMIT if number >= deps.scenario.rounds else None
    deps.writer.write(
        MatrixRoundFinished(
            round=number, totals=state["totals"], failed=state["failed"], end_reason=end
        )
    )
    return {"end_reason": end}
