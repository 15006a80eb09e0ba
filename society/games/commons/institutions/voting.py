"""Collective choice of the norm (Ostrom 1990, design principle 3): after settlement every
member proposes a norm (a sentence and its per-member limit); identical proposals merge into
one ballot entry; then everyone votes, and the plurality winner (a seeded draw breaks ties)
becomes the norm G(t+1), its text broadcast verbatim [P].

Rule agents propose their personal norm and vote for the proposal closest to it [P]."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, Literal

from pydantic import Field, ValidationInfo, field_validator

from society.core.decision import RATIONALE_MAX, Choice, DecisionModel, context_of
from society.core.institution import Institution
from society.core.settings import Strict
from society.games.commons.institutions._commons import CommonsTurn, number, of_kind
from society.transcript.events import Event

NAME = "voting"


class Voting(Strict):
    """Collective choice of the norm: everyone proposes, then everyone votes (Ostrom 3)."""

    enabled: bool = Field(
        False, description="Propose-and-vote each round; the winner's limit becomes G(t+1) [P]."
    )
    max_ballot: int = Field(
        12,
        ge=2,
        le=200,
        description="Most proposals on the ballot: identical proposals merge; then those with most proposers, in agent order [O].",
    )


# --- events ------------------------------------------------------------------------------------


class BallotDrawn(Event):
    """The proposals of this round, in agent-id order, as voters see them."""

    kind: Literal["ballot"] = "ballot"
    proposals: dict[str, dict[str, Any]]


class VoteResolved(Event):
    kind: Literal["vote"] = "vote"
    votes: dict[str, str]
    counts: dict[str, int]
    winner: str | None
    tied: list[str]


class NormAdopted(Event):
    """The winning proposal's text, broadcast verbatim; its limit is G(t+1)."""

    kind: Literal["norm_adopted"] = "norm_adopted"
    proposal: str
    proposer: str
    text: str
    limit: float
    previous_limit: float


# --- decisions ---------------------------------------------------------------------------------


class Proposal(DecisionModel):
    """A norm for the group: text plus its numeric per-member limit."""

    text: str = Field(min_length=1, max_length=400, description="The norm, in one sentence.")
    limit: float = Field(
        ge=0.0, description="The most each member may take per round, in resource units."
    )
    rationale: str = Field(
        min_length=1, max_length=RATIONALE_MAX, description="One or two sentences: why."
    )


class Vote(DecisionModel):
    proposal: str = Field(description="The id of the proposal you vote for, e.g. 'P3'.")
    rationale: str = Field(
        min_length=1, max_length=RATIONALE_MAX, description="One or two sentences: why."
    )

    @classmethod
    def choices(cls, context: dict[str, Any]) -> tuple[Choice, ...]:
        ballot = context.get("ballot")
        return () if not ballot else ((("proposal",), tuple(ballot)),)

    @field_validator("proposal")
    @classmethod
    def _on_ballot(cls, proposal: str, info: ValidationInfo) -> str:
        ballot = context_of(info).get("ballot")
        if ballot is not None and proposal not in ballot:
            raise ValueError(f"proposal must be one of: {', '.join(ballot)}")
        return proposal


# --- rule policies -----------------------------------------------------------------------------


def rule_propose(view: Any) -> Proposal:
    limit = round(view.strategy.norm, 2)
    unit = view.resource.unit
    return Proposal(
        text=f"Each member takes at most {limit:g} {unit} per round.",
        limit=limit,
        rationale="my personal norm",
    )


def rule_vote(view: Any, context: dict[str, Any], rng: random.Random) -> Vote:
    ballot: dict[str, dict[str, Any]] = context["ballot"]
    distance = {pid: abs(entry["limit"] - view.strategy.norm) for pid, entry in ballot.items()}
    best = min(distance.values())
    closest = [pid for pid in ballot if distance[pid] == best]
    choice = closest[0] if len(closest) == 1 else rng.choice(closest)
    return Vote(proposal=choice, rationale="closest to my personal norm")


# --- resolutions -------------------------------------------------------------------------------


def build_ballot(
    proposals: Mapping[str, Mapping[str, Any]], max_ballot: int
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


def resolve_proposals(state: Mapping[str, Any], deps: Any) -> dict[str, Any]:
    """Number the proposals P1.. in agent-id order; that order is the ballot's."""
    from society.coordinator.deps import decided

    if stop := deps.write_outcomes(state["outcomes"]):
        return {"end_reason": stop}
    settings = getattr(deps.scenario.institutions, NAME)
    ballot = build_ballot(decided(state["outcomes"]), settings.max_ballot)
    deps.writer.write(BallotDrawn(round=state["round"], proposals=ballot))
    return {"ballot": ballot}


def resolve_vote(state: Mapping[str, Any], deps: Any) -> dict[str, Any]:
    """Plurality with a seeded tie-break; the winner's text is broadcast verbatim and its
    limit becomes G(t+1). With no valid vote the norm stays as it is."""
    from society.coordinator.deps import decided
    from society.core.rng import derive_rng
    from society.games.commons import dynamics as commons
    from society.games.commons.state import NormState

    if stop := deps.write_outcomes(state["outcomes"]):
        return {"end_reason": stop}
    round_number, ballot = state["round"], state["ballot"]
    votes = {agent: choice["proposal"] for agent, choice in decided(state["outcomes"]).items()}
    rng = derive_rng(deps.scenario.seed, round_number, "vote")
    result = commons.plurality(list(ballot), votes, rng)
    deps.writer.write(
        VoteResolved(
            round=round_number,
            votes=votes,
            counts=result.counts,
            winner=result.winner,
            tied=result.tied,
        )
    )
    if result.winner is None:
        return {"ballot": {}}
    chosen = ballot[result.winner]
    deps.writer.write(
        NormAdopted(
            round=round_number,
            proposal=result.winner,
            proposer=chosen["author"],
            text=chosen["text"],
            limit=chosen["limit"],
            previous_limit=state["norm"]["limit"],
        )
    )
    norm = NormState(
        text=chosen["text"],
        limit=chosen["limit"],
        proposer=chosen["author"],
        adopted_round=round_number,
    )
    return {"norm": norm, "ballot": {}}


# --- the phases --------------------------------------------------------------------------------


def _alive(state: Mapping[str, Any]) -> list[str]:
    from society.core.state import alive

    return alive(state)


class _VotingTurn(CommonsTurn):
    def enabled(self, scenario: Any) -> bool:
        return bool(getattr(scenario.institutions, NAME).enabled)

    def actors(self, state: Any, deps: Any) -> list[str]:
        return _alive(state)


class Propose(_VotingTurn):
    """Each member proposes a norm with a numeric limit (the ballot is drawn from them)."""

    name: ClassVar[str] = "propose"
    node: ClassVar[str] = "resolve_proposals"
    produces: ClassVar[frozenset[str]] = frozenset({"ballot"})

    def resolve(self, state: Any, deps: Any) -> dict[str, Any]:
        return resolve_proposals(state, deps)

    def decision_type(self, view: Any, source: str) -> type[DecisionModel]:
        return Proposal

    def rule(self, request: Any, rng: random.Random) -> DecisionModel:
        return rule_propose(request.observation)


class VoteTurn(_VotingTurn):
    """Plurality vote over the ballot; the winner becomes the norm G(t+1)."""

    name: ClassVar[str] = "vote"
    node: ClassVar[str] = "resolve_vote"
    requires: ClassVar[frozenset[str]] = frozenset({"ballot"})
    produces: ClassVar[frozenset[str]] = frozenset({"norm"})

    def context(self, state: Any, agent: str, deps: Any) -> dict[str, Any]:
        return {"ballot": state["ballot"]}

    def resolve(self, state: Any, deps: Any) -> dict[str, Any]:
        return resolve_vote(state, deps)

    def decision_type(self, view: Any, source: str) -> type[DecisionModel]:
        return Vote

    def rule(self, request: Any, rng: random.Random) -> DecisionModel:
        return rule_vote(request.observation, request.context, rng)


# --- memory, metrics, inspect, report ----------------------------------------------------------


def _remember_vote(event: VoteResolved, state: Mapping[str, Any], keeper: Any) -> list[Any]:
    ballot = state.get("ballot") or {}
    if event.winner is not None:
        won = ballot.get(event.winner, {})
        result = f"{event.winner} won (limit {number(won.get('limit', 0))})"
    else:
        result = "no proposal won"
    return [
        keeper.item(voter, event, "vote", f"I voted for {choice}; {result}.", 0.4)
        for voter, choice in sorted(event.votes.items())
    ]


def _remember_norm(event: NormAdopted, state: Mapping[str, Any], keeper: Any) -> list[Any]:
    changed = abs(event.limit - event.previous_limit) > 1e-9
    items = []
    for agent in keeper.members(state, event.round):
        items.append(
            keeper.norm_item(agent, event.round, event.text, event.limit, event.proposer, event.seq)
        )
        if changed:
            text = (
                f"The limit changed from {number(event.previous_limit)} to "
                f"{number(event.limit)} {keeper.unit}."
            )
            items.append(keeper.item(agent, event, "norm_change", text, 0.6))
    return items


def voting_metrics(events: Sequence[Any]) -> dict[str, Any]:
    """norm_similarity: per round, the mean pairwise cosine similarity of the norm texts
    agents proposed (bag of words) [P metric, O formula]; its mean over rounds."""
    from collections import defaultdict
    from statistics import fmean

    from society.games.commons import dynamics as commons

    rounds = sorted({e.round for e in of_kind(events, "round_started")})
    proposals: dict[int, list[str]] = defaultdict(list)
    for event in of_kind(events, "decision"):
        if event.phase == "propose":
            proposals[event.round].append(str(event.decision["text"]))
    similarity = [
        commons.mean_pairwise_similarity(proposals[r]) if r in proposals else None for r in rounds
    ]
    measured = [s for s in similarity if s is not None]
    return {
        "norm_similarity_by_round": similarity,
        "norm_similarity": fmean(measured) if measured else None,
    }


def _inspect(console: Any, events: Sequence[Any]) -> None:
    from rich.markup import escape

    ballot = next(iter(of_kind(events, "ballot")), None)
    if ballot is None:
        return
    vote = next(iter(of_kind(events, "vote")), None)
    adopted = next(iter(of_kind(events, "norm_adopted")), None)
    console.print("[bold]Proposals and votes[/]")
    counts = vote.counts if vote else {}
    for pid, p in ballot.proposals.items():
        mark = " [green]← adopted[/]" if adopted and adopted.proposal == pid else ""
        proposers = ", ".join(p.get("proposers", [p["author"]]))
        console.print(
            f"  {pid} by {proposers}: «{escape(p['text'])}» limit {p['limit']:g}: {counts.get(pid, 0)} vote(s){mark}",
            highlight=False,
        )
    if vote is not None:
        votes = ", ".join(f"{voter}→{choice}" for voter, choice in vote.votes.items())
        tie = (
            f" (tie among {', '.join(vote.tied)} broken by seeded draw)"
            if len(vote.tied) > 1
            else ""
        )
        console.print(f"  votes: {votes}" + tie, highlight=False)


def _report(events: Sequence[Any]) -> dict[str, Any]:
    ballot = next(iter(of_kind(events, "ballot")), None)
    vote = next(iter(of_kind(events, "vote")), None)
    adopted = next(iter(of_kind(events, "norm_adopted")), None)
    return {
        "ballot": ballot.proposals if ballot else None,
        "vote": (
            {"votes": vote.votes, "counts": vote.counts, "winner": vote.winner, "tied": vote.tied}
            if vote
            else None
        ),
        "adopted": (
            {
                "proposal": adopted.proposal,
                "proposer": adopted.proposer,
                "text": adopted.text,
                "limit": adopted.limit,
            }
            if adopted
            else None
        ),
    }


INSTITUTION = Institution(
    name=NAME,
    settings=Voting,
    phases=(Propose(), VoteTurn()),
    after="settle",
    games=("commons",),
    events=(BallotDrawn, VoteResolved, NormAdopted),
    memories={"vote": _remember_vote, "norm_adopted": _remember_norm},
    prompts=("propose", "vote"),
    ostrom_principle=3,
    dump_position=4,
    game_metrics=voting_metrics,
    inspect_section=_inspect,
    report_round=_report,
    listed_when_off=True,
)
