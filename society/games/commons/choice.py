"""Collective choice (Ostrom 3): everyone proposes a norm, then everyone votes on the ballot."""

from __future__ import annotations

from typing import Any

from society.coordinator.deps import CoordinatorDeps, decided
from society.core.rng import derive_rng
from society.games.commons import dynamics as commons
from society.games.commons.events import BallotDrawn, NormAdopted, VoteResolved
from society.games.commons.state import NormState, SocietyState


def resolve_proposals(state: SocietyState, deps: CoordinatorDeps) -> dict[str, Any]:
    """Number the proposals P1.. in agent-id order; that order is the ballot's."""
    if stop := deps.write_outcomes(state["outcomes"]):
        return {"end_reason": stop}
    ballot = build_ballot(decided(state["outcomes"]), deps.scenario.institutions.voting.max_ballot)
    deps.writer.write(BallotDrawn(round=state["round"], proposals=ballot))
    return {"ballot": ballot}


def build_ballot(
    proposals: dict[str, dict[str, Any]], max_ballot: int
) -> dict[str, dict[str, Any]]:
    """Identical proposals (same text and limit) merge into one entry listing every proposer;
    at most `max_ballot` entries stay, those with most proposers first, then in agent order."""
    merged: dict[tuple[str, float], dict[str, Any]] = {}
    for agent, choice in proposals.items():  # agent-id order
        key = (choice["text"].strip(), float(choice["limit"]))
        entry = merged.setdefault(
            key,
            {"author": agent, "text": choice["text"], "limit": choice["limit"], "proposers": []},
        )
        entry["proposers"].append(agent)
    ranked = sorted(merged.values(), key=lambda e: -len(e["proposers"]))[:max_ballot]  # stable
    kept = sorted(ranked, key=lambda e: e["proposers"][0])
    return {f"P{index}": entry for index, entry in enumerate(kept, start=1)}


def resolve_vote(state: SocietyState, deps: CoordinatorDeps) -> dict[str, Any]:
    """Plurality with a seeded tie-break; the winner's text is broadcast verbatim and its
    limit becomes G(t+1). With no valid vote the norm stays as it is."""
    if stop := deps.write_outcomes(state["outcomes"]):
        return {"end_reason": stop}
    number, ballot = state["round"], state["ballot"]
    votes = {agent: choice["proposal"] for agent, choice in decided(state["outcomes"]).items()}
    rng = derive_rng(deps.scenario.seed, number, "vote")
    result = commons.plurality(list(ballot), votes, rng)
    deps.writer.write(
        VoteResolved(
            round=number, votes=votes, counts=result.counts, winner=result.winner, tied=result.tied
        )
    )
    if result.winner is None:
        return {"ballot": {}}
    chosen = ballot[result.winner]
    deps.writer.write(
        NormAdopted(
            round=number,
            proposal=result.winner,
            proposer=chosen["author"],
            text=chosen["text"],
            limit=chosen["limit"],
            previous_limit=state["norm"]["limit"],
        )
    )
    norm = NormState(
        text=chosen["text"], limit=chosen["limit"], proposer=chosen["author"], adopted_round=number
    )
    return {"norm": norm, "ballot": {}}
