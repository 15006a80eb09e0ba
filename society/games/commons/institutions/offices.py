"""Offices: what the holders of roles (`society.core.roles`) do in the commons.

- The **leader** (`leader:` names its role) sets the harvest limit each round, before the
  harvest: its limit and announcement become the norm in force for everyone, G(t), which
  monitoring and sanctions judge by, and every member notes it as the limit agreed this round
  (rule agents keep it with their `keeps_agreements` probability, as a town hall's) [O]. A
  rule leader sets its personal norm (its persona's `norm_factor` × the sustainable share);
  an LLM leader answers `prompts/set_limit.j2`.
- The **monitor** (`monitor:` names its role) alone may inspect: the harvest turn of every
  other member leaves the `inspect` field out; the inspection's cost is the monitor's.

Who holds a role is the core's business: a population group's `role:`, or an election
(`society.institutions.elections`, for which this module is the commons' hook: a member's
pledge is its personal norm, its record its last catch against the limit).
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, Literal

from pydantic import Field, ValidationInfo, field_validator

from society.core.decision import RATIONALE_MAX, DecisionModel, context_of
from society.core.institution import ROUND_START, Institution
from society.core.settings import Strict, rule_error
from society.games.commons.institutions._commons import CommonsTurn, number, of_kind
from society.transcript.events import Event

NAME = "offices"
PROMPT = "set_limit"
ROLE_PATTERN = r"^[a-z][a-z0-9_]{0,31}$"


class Offices(Strict):
    """Roles with duties in the commons: a leader who sets the harvest limit each round, a
    monitor who alone inspects [O]."""

    enabled: bool = Field(False, description="The roles below have their duties [O].")
    leader: str | None = Field(
        "leader",
        pattern=ROLE_PATTERN,
        description="The role whose holder sets the harvest limit each round, before the "
        "harvest; none: no leader [O].",
    )
    monitor: str | None = Field(
        None,
        pattern=ROLE_PATTERN,
        description="The role whose holders alone may inspect (needs monitoring on); none: "
        "every member may [O].",
    )
    announcement_chars: int = Field(
        280, ge=20, le=1000, description="Most characters of the leader's announcement [O]."
    )


def _check(section: Any) -> None:
    settings = getattr(section, NAME)
    if settings.monitor is not None and not section.monitoring.enabled:
        raise rule_error(
            "a monitor role needs monitoring (institutions.monitoring.enabled): there is "
            "nothing to inspect",
            NAME,
            "monitor",
        )


def settings_of(scenario: Any) -> Offices:
    return getattr(scenario.institutions, NAME)


def may_inspect(state: Any, agent: str, deps: Any) -> bool:
    """Whether `agent` may inspect this round: with a monitor role, only its holders."""
    from society.core.roles import holds

    settings = settings_of(deps.scenario)
    if not settings.enabled or settings.monitor is None:
        return True
    return holds(state["agents"][agent], settings.monitor, state["round"])


# --- events ------------------------------------------------------------------------------------


class LimitSet(Event):
    """The leader set this round's limit; `sustainable_share` is f(t)/N at the round's start."""

    kind: Literal["limit_set"] = "limit_set"
    leader: str
    role: str
    limit: float
    text: str
    previous_limit: float
    sustainable_share: float


# --- decision and rule -------------------------------------------------------------------------


class LimitDecision(DecisionModel):
    """The limit every member may take this round, and the words announcing it."""

    limit: float = Field(ge=0.0, description="The most each member may take this round.")
    announcement: str = Field(
        min_length=1, max_length=1000, description="Your announcement to the community."
    )
    rationale: str = Field(
        min_length=1, max_length=RATIONALE_MAX, description="One or two sentences: why."
    )

    @field_validator("announcement")
    @classmethod
    def _bounded(cls, text: str, info: ValidationInfo) -> str:
        most = context_of(info).get("max_chars")
        if most is not None and len(text) > most:
            raise ValueError(f"at most {most} characters (got {len(text)})")
        return text

    @field_validator("limit")
    @classmethod
    def _within_stock(cls, limit: float, info: ValidationInfo) -> float:
        most = context_of(info).get("max_limit")
        if most is not None and limit > most:
            raise ValueError(f"the limit cannot exceed the capacity, {most:g}")
        return limit


def rule_limit(view: Any) -> LimitDecision:
    limit = round(view.strategy.norm, 2)
    unit = view.resource.unit
    return LimitDecision(
        limit=limit,
        announcement=f"As leader I set the limit at {limit:g} {unit} per member this round.",
        rationale="my personal norm",
    )


# --- the phase ---------------------------------------------------------------------------------


class SetLimit(CommonsTurn):
    """The leader sets the harvest limit for this round."""

    name: ClassVar[str] = "set_limit"
    node: ClassVar[str] = "resolve_set_limit"
    resolve_when_idle: ClassVar[bool] = False
    produces: ClassVar[frozenset[str]] = frozenset({"norm"})

    def enabled(self, scenario: Any) -> bool:
        settings = settings_of(scenario)
        return bool(settings.enabled and settings.leader is not None)

    def acting_role(self, scenario: Any) -> str | None:
        return settings_of(scenario).leader

    def actors(self, state: Any, deps: Any) -> list[str]:
        from society.core.state import alive

        return alive(state) if self.enabled(deps.scenario) else []

    def context(self, state: Any, agent: str, deps: Any) -> dict[str, Any]:
        settings = settings_of(deps.scenario)
        return {
            "role": settings.leader,
            "max_chars": settings.announcement_chars,
            "max_limit": deps.scenario.commons.capacity,
        }

    def prompt_id(self, view: Any) -> str:
        return PROMPT

    def decision_type(self, view: Any, source: str) -> type[DecisionModel]:
        return LimitDecision

    def rule(self, request: Any, rng: random.Random) -> DecisionModel:
        return rule_limit(request.observation)

    def resolve(self, state: Any, deps: Any) -> dict[str, Any]:
        from society.coordinator.deps import decided
        from society.core.state import alive
        from society.games.commons import dynamics as commons
        from society.games.commons.state import NormState, copy_agents

        if stop := deps.write_outcomes(state["outcomes"]):
            return {"end_reason": stop}
        chosen = decided(state["outcomes"])
        if not chosen:  # the leader's decision failed: the limit stays as it was
            return {}
        leader, choice = sorted(chosen.items())[0]
        number_, members = state["round"], alive(state)
        stock = state["round_start_stock"] or state["stock"]
        event = LimitSet(
            round=number_,
            leader=leader,
            role=settings_of(deps.scenario).leader or "",
            limit=choice["limit"],
            text=choice["announcement"],
            previous_limit=state["norm"]["limit"],
            sustainable_share=round(
                commons.sustainable_share(stock, deps.scenario.commons, len(members)), 6
            ),
        )
        deps.writer.write(event)
        agents = copy_agents(state)
        summary = f"{leader}, our leader, set the limit: {choice['announcement']}"
        for agent in members:
            agents[agent]["agreement"] = {
                "round": number_,
                "summary": summary,
                "agreed_limit": choice["limit"],
            }
        norm = NormState(
            text=choice["announcement"],
            limit=choice["limit"],
            proposer=leader,
            adopted_round=number_,
        )
        return {"norm": norm, "agents": agents}


# --- the commons' elections hook ---------------------------------------------------------------


class CommonsElections:
    """What an election in the commons knows of a member (`ElectionsHook`)."""

    def pledge(self, state: Any, agent: str, deps: Any) -> tuple[float, str]:
        norm = float(state["agents"][agent]["strategy"]["norm"])
        unit = deps.scenario.commons.resource.unit
        return norm, f"set the limit at {number(norm)} {unit} per member each round"

    def record(self, state: Any, agent: str, deps: Any) -> dict[str, Any]:
        """A `society.institutions.elections.CandidateRecord` (a plain dict: the commons does
        not import the elections module)."""
        record, unit = state["agents"][agent], deps.scenario.commons.resource.unit
        took, limit = record["last_harvest"], state["norm"]["limit"]
        if took is None:
            return {"cooperation": None, "text": "no catch recorded yet."}
        return {
            "cooperation": round(limit - took, 6),
            "text": f"took {number(took)} {unit} last round (the limit was {number(limit)}).",
        }


ELECTIONS_HOOK = CommonsElections()


# --- memory, metrics, inspect, report ----------------------------------------------------------


def _remember(event: LimitSet, state: Mapping[str, Any], keeper: Any) -> list[Any]:
    text = (
        f"{event.leader}, the leader, set the limit at {number(event.limit)} {keeper.unit} "
        f"(it was {number(event.previous_limit)})."
    )
    return [
        keeper.item(agent, event, "norm_change", text, 0.5)
        for agent in keeper.members(state, event.round)
    ]


def office_metrics(events: Sequence[Any]) -> dict[str, Any]:
    """Leaders' behaviour [O]: leader_rounds (rounds with a limit set); limit_mean; the limit
    against the sustainable share f(t)/N (limit_over_sustainable: mean ratio; over_sustainable_
    rate: share of rounds the limit exceeded it); leader_harvest_mean and others_harvest_mean
    (mean catch of the leader and of the other members in the rounds it led), their
    difference leader_excess; leader_kept_limit_rate: rounds the leader took at most its
    limit; inspections_by_holders: inspections by holders of any role."""
    from statistics import fmean

    from society.core.roles import holder_by_round

    limits = {e.round: e for e in of_kind(events, "limit_set")}
    harvests = {e.round: e.harvested for e in of_kind(events, "harvest_resolved")}
    own, others, kept, ratios = [], [], [], []
    for round_, event in limits.items():
        if event.sustainable_share > 0:
            ratios.append(event.limit / event.sustainable_share)
        took = harvests.get(round_)
        if not took or event.leader not in took:
            continue
        own.append(took[event.leader])
        rest = [v for a, v in took.items() if a != event.leader]
        if rest:
            others.append(fmean(rest))
        kept.append(took[event.leader] <= event.limit + 1e-9)
    holders: set[tuple[int, str]] = set()
    for role in {e.role for e in events if e.kind == "role_assigned"}:
        for round_, agents in holder_by_round(events, role).items():
            holders.update((round_, a) for a in agents)
    inspections = of_kind(events, "inspection")

    def mean(values: list[float]) -> float | None:
        return round(fmean(values), 6) if values else None

    leader, rest_mean = mean(own), mean(others)
    return {
        "leader_rounds": len(limits),
        "limit_mean": mean([e.limit for e in limits.values()]),
        "limit_over_sustainable": mean(ratios),
        "over_sustainable_rate": mean([1.0 if r > 1 + 1e-9 else 0.0 for r in ratios]),
        "leader_harvest_mean": leader,
        "others_harvest_mean": rest_mean,
        "leader_excess": round(leader - rest_mean, 6)
        if leader is not None and rest_mean is not None
        else None,
        "leader_kept_limit_rate": mean([1.0 if k else 0.0 for k in kept]),
        "inspections": len(inspections),
        "inspections_by_holders": sum(1 for i in inspections if (i.round, i.monitor) in holders),
    }


def _describe(event: Any) -> str:
    return (
        f"{event.leader} ({event.role}) set the limit at {event.limit:g} (was "
        f"{event.previous_limit:g}; sustainable share {event.sustainable_share:g}): "
        f"«{event.text}»"
    )


def _inspect(console: Any, events: Sequence[Any]) -> None:
    from rich.markup import escape

    found = [e for e in events if e.kind in ("limit_set", "role_assigned", "role_ended")]
    if not found:
        return
    console.print("[bold]Offices[/]")
    for e in found:
        if e.kind == "limit_set":
            line = escape(_describe(e))
        elif e.kind == "role_assigned":
            until = f" until round {e.until}" if e.until is not None else ""
            line = f"{e.agent} holds {e.role} ({e.how}){until}"
        else:
            line = f"{e.agent} no longer holds {e.role} ({e.reason})"
        console.print(f"  {line}", highlight=False)


def _report(events: Sequence[Any]) -> dict[str, Any]:
    limit = next(iter(of_kind(events, "limit_set")), None)
    return {
        "limit_set": (
            {"leader": limit.leader, "limit": limit.limit, "text": limit.text} if limit else None
        ),
        "roles": [[e.agent, e.role, e.how, e.until] for e in of_kind(events, "role_assigned")],
    }


INSTITUTION = Institution(
    name=NAME,
    settings=Offices,
    phases=(SetLimit(),),
    after=ROUND_START,
    games=("commons",),
    events=(LimitSet,),
    memories={"limit_set": _remember},
    metrics=office_metrics,
    describe={"limit_set": _describe},
    prompts=(PROMPT,),
    check=_check,
    inspect_section=_inspect,
    report_round=_report,
)
