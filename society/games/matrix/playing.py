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
MATCH_FIELDS = {
    "round",
    "row",
    "column",
    "encounter",
    "row_action",
    "column_action",
    "row_payoff",
    "column_payoff",
}


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
    matches: list[dict[str, Any]] = []
    for row, column in state["pairs"]:
        missing = [agent for agent in (row, column) if agent not in moves]
        if missing:
            failed.extend(missing)
            deps.writer.write(PairVoid(round=number, row=row, column=column, failed=missing))
            continue
        outcome = play(settings, moves[row], moves[column])
        encounter = int(relations[row].get(column, {}).get("encounters", 0)) + 1
        event = PairPlayed(
            round=number,
            row=row,
            column=column,
            encounter=encounter,
            row_action=outcome.row_action,
            column_action=outcome.column_action,
            row_payoff=outcome.row_payoff,
            column_payoff=outcome.column_payoff,
        )
        deps.writer.write(event)
        matches.append(event.model_dump(mode="json", include=MATCH_FIELDS))
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
        "matches": matches,
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
    return {"end_reason": end, "inclination": inclinations_after(state, deps)}


def inclinations_after(state: MatrixState, deps: Any) -> dict[str, float]:
    """Adaptive rule players learn from the round (scenario.Adaptive): a sanction (refused or
    punished) moves the inclination `learn` of the way to 1; an unsanctioned defection costs
    it `forget` of itself."""
    if not state["inclination"]:
        return state["inclination"]
    scenario, defect = deps.scenario, deps.scenario.matrix.defect
    defected = {m["row"] for m in state["matches"] if m["row_action"] == defect}
    defected |= {m["column"] for m in state["matches"] if m["column_action"] == defect}
    updated = {}
    for agent, chance in state["inclination"].items():
        strategy = scenario.persona(state["agents"][agent]["persona"]).strategy
        if state["sanctioned"].get(agent):
            chance += strategy.learn * (1.0 - chance)
        elif agent in defected:
            chance -= strategy.forget * chance
        updated[agent] = round(chance, 12)
    return updated
