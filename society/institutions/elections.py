"""Elections: every `term` rounds the members elect the holder of a role (a leader, a
monitor, a treasurer). Candidates stand (everyone, volunteers, or the members of named
population groups), each writes a short statement, every member votes for one candidate, and
the plurality winner holds the role for `term` rounds (`society.core.roles`).

An election opens its round (`after=ROUND_START`), so the winner acts in the round it is
elected in: the commons' leader sets that round's limit before the harvest.

Written once, for any game that gives a hook (`Game.institution_hook("elections")`, an
`ElectionsHook`): what a member pledges (a number a rule compares and the words a rule
statement uses) and the record of a candidate's behaviour (a cooperation score, higher is
more cooperative, and a line voters are shown). Nothing here names a resource or a harvest.

Rule minds [O]: a candidate's statement is the `rule_statement` template filled with its
pledge; a voter votes for the candidate whose pledge is closest to its own
(`rule_vote: closest_pledge`) or whose recorded behaviour was most cooperative
(`most_cooperative`; candidates without a record rank last); ties among the best are drawn
from the turn's seeded generator.

The tally is plurality; a tie among the most voted is broken by one draw from
`derive_rng(seed, round, "election", role)` over the tied candidates in id order. With no
usable vote nobody is elected and the role stays vacant until the next election. A reply that
does not fit (a name that is not a candidate, a statement over the bound) is re-asked, then
recorded as a failure: a failed candidate does not stand, a failed voter does not vote.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from itertools import pairwise
from typing import Any, ClassVar, Literal, Protocol, TypedDict

from pydantic import Field, ValidationInfo, field_validator

from society.core.decision import RATIONALE_MAX, Choice, DecisionModel, context_of
from society.core.institution import ROUND_START, Institution
from society.core.phase import Phase
from society.core.settings import Strict, rule_error
from society.transcript.events import Event

NAME = "elections"
STATEMENT_PROMPT = "election_statement"
VOTE_PROMPT = "election_vote"
CANDIDACY = "candidacy"  # the agent record's key: {round, role, statement} while it stands
ROLE_PATTERN = r"^[a-z][a-z0-9_]{0,31}$"
PLEDGE = "{pledge}"


class ElectionsSettings(Strict):
    """Members elect the holder of a role every `term` rounds: candidates stand with a short
    statement, every member votes, the plurality winner holds the role for the term.

    Tags: [Concordia] Concordia's Riverbend election example (examples/village, a mayoral
    election with two candidates, every citizen votes once, the most votes win); [O] our own."""

    enabled: bool = Field(False, description="Hold elections for `role` [O].")
    role: str = Field(
        "leader",
        pattern=ROLE_PATTERN,
        description="The role the winner holds; what it allows is up to the institutions "
        "that name it (the commons' offices: leader, monitor) [O].",
    )
    term: int = Field(
        4,
        ge=1,
        le=10_000,
        description="Rounds a winner holds the role; an election opens rounds 1, 1 + term, "
        "1 + 2·term, ... [O]. A term as long as the run is one election [Concordia].",
    )
    candidates: Literal["all", "volunteers", "groups"] = Field(
        "all",
        description="Who stands: every member; volunteers (each member decides in its "
        "statement turn); or the members of `groups` [Concordia: two named candidates] [O].",
    )
    groups: list[str] = Field(
        default_factory=list,
        description="With candidates: groups, the population groups whose members stand [O].",
    )
    volunteer_rate: float = Field(
        0.5,
        ge=0.0,
        le=1.0,
        description="With candidates: volunteers, the probability that a rule agent stands [O].",
    )
    statement_chars: int = Field(
        280,
        ge=20,
        le=1000,
        description="Most characters of a candidate's statement (keeps the vote prompt bounded) [O].",
    )
    max_candidates: int = Field(
        8,
        ge=1,
        le=200,
        description="Most candidates on a ballot; when more stand, a seeded draw keeps this "
        "many (keeps the vote prompt bounded) [O].",
    )
    rule_statement: str = Field(
        "Vote for me: I will {pledge}.",
        min_length=1,
        max_length=200,
        description="A rule candidate's statement; {pledge} is what the game says it pledges [O].",
    )
    rule_vote: Literal["closest_pledge", "most_cooperative"] = Field(
        "closest_pledge",
        description="Rule voters: the candidate whose pledge is closest to their own, or the "
        "one whose recorded behaviour was most cooperative [O].",
    )

    @field_validator("rule_statement")
    @classmethod
    def _one_placeholder(cls, text: str) -> str:
        rest = text.replace(PLEDGE, "")
        if "{" in rest or "}" in rest:
            raise ValueError("the only placeholder is {pledge}")
        return text


def _check(section: Any) -> None:
    settings = getattr(section, NAME)
    if settings.candidates == "groups" and not settings.groups:
        raise rule_error(
            "candidates: groups needs at least one population group in `groups`",
            NAME,
            "groups",
        )


def _check_scenario(scenario: Any) -> None:
    settings = getattr(scenario.institutions, NAME)
    if settings.candidates != "groups":
        return
    known = [g.name for g in scenario.population]
    for index, group in enumerate(settings.groups):
        if group not in known:
            raise rule_error(
                f"no population group {group!r} to stand; groups: {', '.join(known)}",
                "institutions",
                NAME,
                "groups",
                index,
            )


# --- what a game gives (the hook) ---------------------------------------------------------------


class CandidateRecord(TypedDict):
    """What voters know of a candidate's behaviour so far (a game's hook returns a plain
    dict of this shape, so it needs no import of this module)."""

    cooperation: float | None  # higher: more cooperative; None: no record yet
    text: str  # e.g. "took 8 tons last round (the limit was 10)"


class ElectionsHook(Protocol):
    def pledge(self, state: Any, agent: str, deps: Any) -> tuple[float, str]:
        """The number `agent` would set (its personal norm) and the words for a statement."""
        ...

    def record(self, state: Any, agent: str, deps: Any) -> CandidateRecord: ...


def hook_of(deps: Any) -> ElectionsHook:
    from society.core.registry import game_of

    game = game_of(deps.scenario)
    hook = game.institution_hook(NAME)
    if hook is None:
        raise ValueError(f"game {game.name!r} offers no elections hook")
    return hook


# --- events ------------------------------------------------------------------------------------


class CandidatesDeclared(Event):
    """Who stands in this round's election and what each said (quoted to voters)."""

    kind: Literal["candidates_declared"] = "candidates_declared"
    role: str
    statements: dict[str, str]  # candidate -> statement, in id order
    declined: list[str] = Field(default_factory=list)  # volunteers who did not stand
    dropped: list[str] = Field(default_factory=list)  # stood, left off a full ballot
    failed: list[str] = Field(default_factory=list)  # no usable statement: did not stand


class ElectionHeld(Event):
    """The tally: every vote, the counts, the winner and its term."""

    kind: Literal["election"] = "election"
    role: str
    candidates: list[str]
    votes: dict[str, str]  # voter -> candidate
    counts: dict[str, int]
    winner: str | None
    tied: list[str]
    term_until: int | None
    failed: list[str] = Field(default_factory=list)  # voters without a usable vote


# --- decisions ---------------------------------------------------------------------------------


class Candidacy(DecisionModel):
    """Whether to stand (volunteers only) and the statement voters read."""

    stand: bool = Field(True, description="Whether you stand for election.")
    statement: str = Field(
        min_length=1, max_length=1000, description="Your statement to the voters, a few sentences."
    )
    rationale: str = Field(
        min_length=1, max_length=RATIONALE_MAX, description="One or two sentences: why."
    )

    @field_validator("statement")
    @classmethod
    def _bounded(cls, statement: str, info: ValidationInfo) -> str:
        most = context_of(info).get("max_chars")
        if most is not None and len(statement) > most:
            raise ValueError(f"at most {most} characters (got {len(statement)})")
        return statement


class ElectionVote(DecisionModel):
    candidate: str = Field(description="The candidate you vote for.")
    rationale: str = Field(
        min_length=1, max_length=RATIONALE_MAX, description="One or two sentences: why."
    )

    @classmethod
    def choices(cls, context: dict[str, Any]) -> tuple[Choice, ...]:
        candidates = context.get("candidates")
        return () if not candidates else ((("candidate",), tuple(candidates)),)

    @field_validator("candidate")
    @classmethod
    def _standing(cls, candidate: str, info: ValidationInfo) -> str:
        candidates = context_of(info).get("candidates")
        if candidates is not None and candidate not in candidates:
            raise ValueError(f"vote for one of: {', '.join(candidates)}")
        return candidate


# --- rule policies -----------------------------------------------------------------------------


def rule_candidacy(context: Mapping[str, Any], rng: random.Random) -> Candidacy:
    # Only volunteers draw: a fixed field of candidates takes no draw from the turn.
    stands = rng.random() < context["volunteer_rate"] if context["volunteers"] else True
    return Candidacy(
        stand=stands,
        statement=context["rule_statement"],
        rationale="I stand on my pledge" if stands else "I do not stand this time",
    )


def rule_ballot(context: Mapping[str, Any], rng: random.Random) -> ElectionVote:
    candidates: dict[str, dict[str, Any]] = context["candidates"]
    if context["rule_vote"] == "most_cooperative":
        known = [c for c, f in candidates.items() if f["cooperation"] is not None]
        if known:
            best = max(candidates[c]["cooperation"] for c in known)
            pool = [c for c in known if candidates[c]["cooperation"] == best]
            why = "the most cooperative record"
        else:
            pool, why = list(candidates), "nobody has a record yet"
    else:
        own = context["own_pledge"]
        distance = {c: abs(f["pledge"] - own) for c, f in candidates.items()}
        best = min(distance.values())
        pool = [c for c in candidates if distance[c] == best]
        why = "the pledge closest to mine"
    choice = pool[0] if len(pool) == 1 else rng.choice(pool)
    return ElectionVote(candidate=choice, rationale=why)


# --- resolutions -------------------------------------------------------------------------------


def settings_of(scenario: Any) -> ElectionsSettings:
    return getattr(scenario.institutions, NAME)


def election_round(settings: ElectionsSettings, number: int) -> bool:
    return (number - 1) % settings.term == 0


def term_until(settings: ElectionsSettings, number: int, rounds: int) -> int:
    return min(number + settings.term - 1, rounds)


def _members(state: Any) -> list[str]:
    from society.core.state import alive

    return alive(state)


def standing(state: Any) -> dict[str, str]:
    """Candidate -> statement of this round's election."""
    number = state["round"]
    found: dict[str, str] = {}
    for agent in _members(state):
        held = state["agents"][agent].get(CANDIDACY)
        if held is not None and held["round"] == number:
            found[agent] = held["statement"]
    return found


def tally(
    candidates: Sequence[str], votes: Mapping[str, str], rng: random.Random
) -> tuple[dict[str, int], str | None, list[str]]:
    """Plurality: counts per candidate (in ballot order), the winner and the tied leaders; a
    tie is one draw over the tied in ballot order. No vote: no winner."""
    counts = {c: 0 for c in candidates}
    for choice in votes.values():
        counts[choice] += 1
    top = max(counts.values(), default=0)
    if top == 0:
        return counts, None, []
    tied = [c for c in candidates if counts[c] == top]
    return counts, (tied[0] if len(tied) == 1 else rng.choice(tied)), tied


class Campaign(Phase):
    """In an election round, candidates (or would-be volunteers) write their statements."""

    name: ClassVar[str] = "campaign"
    node: ClassVar[str] = "resolve_campaign"
    resolve_when_idle: ClassVar[bool] = False
    produces: ClassVar[frozenset[str]] = frozenset({"candidates"})

    @property
    def observation(self) -> Any:  # type: ignore[override]
        from society.games.commons.observation import Observation

        return Observation

    def validation_context(self, view: Any, context: dict[str, Any]) -> dict[str, Any]:
        return {**context, "round": view.round}

    def enabled(self, scenario: Any) -> bool:
        return bool(settings_of(scenario).enabled)

    def actors(self, state: Any, deps: Any) -> list[str]:
        settings = settings_of(deps.scenario)
        if not election_round(settings, state["round"]):
            return []
        members = _members(state)
        if settings.candidates == "groups":
            allowed = set(settings.groups)
            return [a for a in members if state["agents"][a]["group"] in allowed]
        return members

    def context(self, state: Any, agent: str, deps: Any) -> dict[str, Any]:
        settings = settings_of(deps.scenario)
        _, words = hook_of(deps).pledge(state, agent, deps)
        volunteers = settings.candidates == "volunteers"
        return {
            "role": settings.role,
            "term": settings.term,
            "term_until": term_until(settings, state["round"], deps.scenario.rounds),
            "max_chars": settings.statement_chars,
            "volunteers": volunteers,
            "volunteer_rate": settings.volunteer_rate,
            "rule_statement": settings.rule_statement.replace(PLEDGE, words)[
                : settings.statement_chars
            ],
            **({} if volunteers else {"omit_fields": ["stand"]}),
        }

    def prompt_id(self, view: Any) -> str:
        return STATEMENT_PROMPT

    def decision_type(self, view: Any, source: str) -> type[DecisionModel]:
        return Candidacy

    def rule(self, request: Any, rng: random.Random) -> DecisionModel:
        return rule_candidacy(request.context, rng)

    def resolve(self, state: Any, deps: Any) -> dict[str, Any]:
        from society.coordinator.deps import decided
        from society.core.rng import derive_rng

        outcomes = state["outcomes"]
        if stop := deps.write_outcomes(outcomes):
            return {"end_reason": stop}
        settings, number = settings_of(deps.scenario), state["round"]
        choices = decided(outcomes)
        stood = sorted(a for a, c in choices.items() if c.get("stand", True))
        kept = stood
        if len(stood) > settings.max_candidates:
            rng = derive_rng(deps.scenario.seed, number, "candidates", settings.role)
            kept = sorted(rng.sample(stood, settings.max_candidates))
        agents = dict(state["agents"])
        for agent in kept:
            statement = choices[agent]["statement"]
            agents[agent] = {
                **agents[agent],
                CANDIDACY: {"round": number, "role": settings.role, "statement": statement},
            }
        deps.writer.write(
            CandidatesDeclared(
                round=number,
                role=settings.role,
                statements={a: choices[a]["statement"] for a in kept},
                declined=sorted(a for a, c in choices.items() if not c.get("stand", True)),
                dropped=sorted(set(stood) - set(kept)),
                failed=sorted(set(outcomes) - set(choices)),
            )
        )
        return {"agents": agents}


class Elect(Phase):
    """Every member votes for one candidate; the plurality winner takes the role for a term."""

    name: ClassVar[str] = "elect"
    node: ClassVar[str] = "resolve_election"
    resolve_when_idle: ClassVar[bool] = False
    requires: ClassVar[frozenset[str]] = frozenset({"candidates"})
    produces: ClassVar[frozenset[str]] = frozenset({"roles"})

    observation = Campaign.observation
    validation_context = Campaign.validation_context

    def enabled(self, scenario: Any) -> bool:
        return bool(settings_of(scenario).enabled)

    def actors(self, state: Any, deps: Any) -> list[str]:
        settings = settings_of(deps.scenario)
        if not election_round(settings, state["round"]) or not standing(state):
            return []
        return _members(state)

    def context(self, state: Any, agent: str, deps: Any) -> dict[str, Any]:
        from society.core.state import shared_by_fan_out

        settings, hook = settings_of(deps.scenario), hook_of(deps)

        def ballot() -> dict[str, dict[str, Any]]:
            entries = {}
            for candidate, statement in standing(state).items():
                record = hook.record(state, candidate, deps)
                entries[candidate] = {
                    "statement": statement,
                    "pledge": hook.pledge(state, candidate, deps)[0],
                    "cooperation": record["cooperation"],
                    "record": record["text"],
                }
            return entries

        return {
            "role": settings.role,
            "term": settings.term,
            "candidates": shared_by_fan_out(state, "election_ballot", ballot),
            "rule_vote": settings.rule_vote,
            "own_pledge": hook.pledge(state, agent, deps)[0],
        }

    def prompt_id(self, view: Any) -> str:
        return VOTE_PROMPT

    def decision_type(self, view: Any, source: str) -> type[DecisionModel]:
        return ElectionVote

    def rule(self, request: Any, rng: random.Random) -> DecisionModel:
        return rule_ballot(request.context, rng)

    def resolve(self, state: Any, deps: Any) -> dict[str, Any]:
        from society.coordinator.deps import decided
        from society.core import roles
        from society.core.rng import derive_rng

        outcomes = state["outcomes"]
        if stop := deps.write_outcomes(outcomes):
            return {"end_reason": stop}
        settings, number = settings_of(deps.scenario), state["round"]
        candidates = list(standing(state))
        votes = {a: c["candidate"] for a, c in decided(outcomes).items()}
        rng = derive_rng(deps.scenario.seed, number, "election", settings.role)
        counts, winner, tied = tally(candidates, votes, rng)
        until = term_until(settings, number, deps.scenario.rounds) if winner else None
        deps.writer.write(
            ElectionHeld(
                round=number,
                role=settings.role,
                candidates=candidates,
                votes=votes,
                counts=counts,
                winner=winner,
                tied=tied,
                term_until=until,
                failed=sorted(set(outcomes) - set(votes)),
            )
        )
        agents = dict(state["agents"])
        for candidate in candidates:
            agents[candidate] = {k: v for k, v in agents[candidate].items() if k != CANDIDACY}
        if winner is not None:
            roles.assign(agents, winner, settings.role, number, until, "elected", deps.writer)
        return {"agents": agents}


# --- memory, metrics, inspect, report ----------------------------------------------------------


def _remember_election(event: ElectionHeld, state: Mapping[str, Any], keeper: Any) -> list[Any]:
    result = (
        f"{event.winner} was elected {event.role} until round {event.term_until}"
        if event.winner
        else f"nobody was elected {event.role}"
    )
    items = []
    for agent in keeper.members(state, event.round):
        voted = event.votes.get(agent)
        mine = f"I voted for {voted}; " if voted else ""
        items.append(keeper.item(agent, event, "election", f"{mine}{result}.", 0.6))
    return items


def election_metrics(events: Sequence[Any]) -> dict[str, Any]:
    """elections held; contested (more than one candidate); turnout (votes per member who
    could vote); reelection_rate: the share of elections after the first won by the holder of
    the previous term [O]; turnover: the share of elections after the first whose winner
    differs from the previous winner (a vacancy counts as a change) [O]; tenure_mean: mean
    rounds a winner held the role; failed decisions."""
    from society.core.roles import tenures

    held = [e for e in events if e.kind == "election"]
    declared = [e for e in events if e.kind == "candidates_declared"]
    later = list(pairwise(held))
    same = sum(1 for a, b in later if b.winner is not None and a.winner == b.winner)
    roles = {e.role for e in held}
    elected = [t for t in tenures(events) if t.how == "elected" and t.role in roles]
    lengths = [
        (min(t.until or 10**9, (t.ended - 1) if t.ended else 10**9) - t.since + 1) for t in elected
    ]
    voters = sum(len(e.votes) + len(e.failed) for e in held)
    return {
        "elections": len(held),
        "contested": sum(1 for e in held if len(e.candidates) > 1),
        "candidates_mean": round(sum(len(e.candidates) for e in held) / len(held), 6)
        if held
        else None,
        "turnout": round(sum(len(e.votes) for e in held) / voters, 6) if voters else None,
        "reelection_rate": round(same / len(later), 6) if later else None,
        "turnover": round(1 - same / len(later), 6) if later else None,
        "tenure_mean": round(sum(lengths) / len(lengths), 6) if lengths else None,
        "winners": [e.winner for e in held],
        "failed_decisions": sum(len(e.failed) for e in held) + sum(len(e.failed) for e in declared),
    }


def describe_candidates(event: Any) -> str:
    names = ", ".join(event.statements) or "nobody"
    return f"candidates for {event.role}: {names}"


def describe_election(event: Any) -> str:
    counts = ", ".join(f"{c} {n}" for c, n in event.counts.items())
    tie = (
        f" (tie among {', '.join(event.tied)} broken by seeded draw)" if len(event.tied) > 1 else ""
    )
    won = (
        f"{event.winner} elected {event.role} until round {event.term_until}"
        if event.winner
        else f"nobody elected {event.role}"
    )
    return f"election: {counts}: {won}{tie}"


def _inspect(console: Any, events: Sequence[Any]) -> None:
    from rich.markup import escape

    declared = [e for e in events if e.kind == "candidates_declared"]
    held = [e for e in events if e.kind == "election"]
    if not declared and not held:
        return
    console.print("[bold]Election[/]")
    for e in declared:
        for candidate, statement in e.statements.items():
            console.print(f"  {candidate}: «{escape(statement)}»", highlight=False)
        if e.declined:
            console.print(f"  did not stand: {', '.join(e.declined)}", highlight=False)
    for e in held:
        console.print(f"  {describe_election(e)}", highlight=False)
        votes = ", ".join(f"{v}→{c}" for v, c in e.votes.items())
        console.print(f"  votes: {votes}", highlight=False)


def _report(events: Sequence[Any]) -> dict[str, Any]:
    declared = next((e for e in events if e.kind == "candidates_declared"), None)
    held = next((e for e in events if e.kind == "election"), None)
    return {
        "candidates": declared.statements if declared else None,
        "election": (
            {"votes": held.votes, "counts": held.counts, "winner": held.winner, "tied": held.tied}
            if held
            else None
        ),
    }


INSTITUTION = Institution(
    name=NAME,
    settings=ElectionsSettings,
    phases=(Campaign(), Elect()),
    after=ROUND_START,
    games=("commons",),
    events=(CandidatesDeclared, ElectionHeld),
    memories={"election": _remember_election},
    metrics=election_metrics,
    describe={"candidates_declared": describe_candidates, "election": describe_election},
    prompts=(STATEMENT_PROMPT, VOTE_PROMPT),
    ostrom_principle=3,
    check=_check,
    scenario_check=_check_scenario,
    inspect_section=_inspect,
    report_round=_report,
)
