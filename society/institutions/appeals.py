"""Appeals: a member fined or excluded this round may appeal; a jury drawn from the other
members upholds or overturns the sanctions (Ostrom 1990, design principle 6:
conflict-resolution mechanisms, "rapid access to low-cost local arenas to resolve conflicts
among users or between users and officials").

Two phases after the sanctions of the `respond` phase and before `settle`:
- `appeal`: each member with a fine or an exclusion this round decides whether to appeal, with
  a short statement. Rule agents appeal when they believe the sanction wrongful (their own
  harvest this round was within the norm in force: e.g. punished on hearsay about last round
  after they reformed) and otherwise with a small persona-based probability (`bluff`) [O].
  Filing costs `fee`. Jurors are drawn (seeded) from the members other than the accused and
  its punishers of this round.
- `judge`: each juror votes uphold/overturn on each appeal it sits on, seeing the sanctions'
  evidence (the punisher's inspection or the hearsay it acted on), the accused's statement and
  its own memories and beliefs. An appeal is overturned when more than `majority` of the votes
  cast say so (a tie, or no vote, upholds).

An overturned appeal clears the round's record: the fines are refunded to the accused before
`settle` (so settlement and starvation see the refund), its offence count goes back by one (the
ladder's position), this round's sanctions leave its news (learning sees an unsanctioned round)
and any exclusion is lifted. The punishers' costs are not refunded: punishing on weak evidence
stays costly, which is the deterrent an appeal adds [O]. The fee is never refunded [O].

One module, one prompt (`prompts/appeal.j2`, both turns: `context.role` is "appeal" or
"judge"); nothing else names appeals.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from typing import Annotated, Any, ClassVar, Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from society.core.decision import RATIONALE_MAX, TEXT_MAX, Choice, DecisionModel, context_of
from society.core.institution import Institution
from society.core.phase import Phase
from society.core.rng import derive_rng
from society.core.settings import Strict, rule_error
from society.transcript.events import Event

NAME = "appeals"
PROMPT = "appeal"
APPEALABLE = frozenset({"fine", "exclusion"})  # a warning costs nothing to refund
PRIOR = 0.5  # the commons' reputation prior (society.games.commons.dynamics.reputation)

Probability = Annotated[float, Field(ge=0.0, le=1.0)]


# --- the scenario section ----------------------------------------------------------------------


class AppealsSettings(Strict):
    """A member fined or excluded this round may appeal to a jury drawn from the other members,
    which upholds or overturns the sanctions (Ostrom 1990, principle 6: conflict-resolution
    mechanisms).

    Every value is ours [O]; the mechanism follows Ostrom's principle 6."""

    enabled: bool = Field(
        False,
        description="Sanctioned members may appeal; a drawn jury upholds or overturns "
        "(Ostrom 1990, principle 6) [O].",
    )
    jury: int = Field(
        3,
        ge=0,
        le=200,
        description="Jurors drawn per appeal (seeded) from the members other than the accused "
        "and its punishers of the round; 0: every one of them [O].",
    )
    majority: float = Field(
        0.5,
        ge=0.0,
        lt=1.0,
        description="An appeal is overturned when more than this share of the jurors' votes "
        "say overturn; a tie upholds [O].",
    )
    fee: float = Field(
        0.0,
        ge=0.0,
        description="What filing an appeal costs the appellant (units), never refunded [O].",
    )
    bluff: float = Field(
        0.05,
        ge=0.0,
        le=1.0,
        description="Rule agents: probability of appealing a sanction they believe deserved "
        "(their harvest this round was over the norm) [O].",
    )
    bluff_by_persona: dict[str, Probability] = Field(
        default_factory=lambda: {"selfish": 0.3, "altruistic": 0.0},
        description="Rule agents: `bluff` per persona key (others use `bluff`) [O].",
    )
    juror_default: Literal["uphold", "overturn"] = Field(
        "uphold",
        description="Rule jurors who know nothing about the accused (no inspection, report or "
        "recalled violation, a belief at the prior) vote this way: a sanction stands unless "
        "the jury has a reason to doubt it [O].",
    )
    max_chars: int = Field(
        300, ge=20, le=4000, description="Characters of an appeal statement [O]."
    )


def _fits(institutions: Any) -> None:
    sanctions = institutions.sanctions
    if not sanctions.enabled:
        raise rule_error(
            "appeals need sanctions (institutions.sanctions.enabled): nobody is sanctioned, "
            "so nobody can appeal",
            NAME,
            "enabled",
        )
    if not any(step.kind in APPEALABLE for step in sanctions.ladder):
        raise rule_error(
            "appeals need a fine or an exclusion on sanctions.ladder: a warning alone leaves "
            "nothing to appeal",
            NAME,
            "enabled",
        )


# --- events ------------------------------------------------------------------------------------


class AppealFiled(Event):
    """A sanctioned member appeals this round's sanctions; the jury is drawn."""

    kind: Literal["appeal_filed"] = "appeal_filed"
    appeal: str  # "A1", "A2"... in this round
    accused: str
    punishers: list[str]
    sanctions: list[dict[str, Any]]  # {by, kind, fine, exclusion_rounds}
    evidence: list[dict[str, Any]]  # per punisher: {by, basis, round, harvest, sender}
    statement: str
    fee: float
    jurors: list[str]


class AppealJudged(Event):
    kind: Literal["appeal_judged"] = "appeal_judged"
    appeal: str
    accused: str
    punishers: list[str]
    votes: dict[str, Literal["uphold", "overturn"]]
    outcome: Literal["upheld", "overturned"]
    refund: float
    exclusion_lifted: bool


# --- decisions ---------------------------------------------------------------------------------


class AppealDecision(DecisionModel):
    """Whether to appeal the sanctions received this round, and what to tell the jury."""

    appeal: bool = Field(description="true to appeal the sanctions you received this round.")
    statement: str = Field(
        "",
        max_length=TEXT_MAX,
        description="What you tell the jury (leave empty if you do not appeal).",
    )
    rationale: str = Field(
        min_length=1, max_length=RATIONALE_MAX, description="One or two sentences: why."
    )

    @model_validator(mode="after")
    def _statement_fits(self, info: ValidationInfo) -> AppealDecision:
        limit = context_of(info).get("max_chars")
        if self.appeal and not self.statement.strip():
            raise ValueError("an appeal needs a statement for the jury")
        if limit is not None and len(self.statement) > limit:
            raise ValueError(
                f"the statement must be at most {limit} characters (got {len(self.statement)})"
            )
        return self


class Verdict(DecisionModel):
    appeal: str = Field(description="The id of the appeal, e.g. 'A1'.")
    verdict: Literal["uphold", "overturn"] = Field(
        description="'uphold' keeps the sanctions; 'overturn' refunds the fines and clears them."
    )


class Judgement(DecisionModel):
    """A juror's verdicts, one per appeal it sits on."""

    verdicts: list[Verdict] = Field(description="One verdict per appeal you judge.")
    rationale: str = Field(
        min_length=1, max_length=RATIONALE_MAX, description="One or two sentences: why."
    )

    @classmethod
    def choices(cls, context: dict[str, Any]) -> tuple[Choice, ...]:
        cases = context.get("cases")
        return () if not cases else ((("verdicts", "appeal"), tuple(c["appeal"] for c in cases)),)

    @field_validator("verdicts")
    @classmethod
    def _one_per_case(cls, verdicts: list[Verdict], info: ValidationInfo) -> list[Verdict]:
        cases = context_of(info).get("cases")
        if cases is None:
            return verdicts
        assigned = [c["appeal"] for c in cases]
        named = [v.appeal for v in verdicts]
        for appeal in named:
            if appeal not in assigned:
                raise ValueError(f"you judge only these appeals: {', '.join(assigned)}")
        if len(set(named)) != len(named):
            raise ValueError("give one verdict per appeal")
        missing = [a for a in assigned if a not in named]
        if missing:
            raise ValueError(
                f"give a verdict on every appeal you judge; missing: {', '.join(missing)}"
            )
        return verdicts


# --- rule minds --------------------------------------------------------------------------------


def believes_wrongful(view: Any) -> bool:
    """A rule agent's view of its own case: its harvest this round (none: it was excluded)
    kept within the norm in force."""
    from society.games.commons.dynamics import violates

    took = view.news.harvest if view.news is not None else None
    return not violates(took or 0.0, view.norm_limit)


def rule_appeal(view: Any, context: dict[str, Any], rng: random.Random) -> AppealDecision:
    unit = view.resource.unit
    took = view.news.harvest if view.news is not None else None
    if believes_wrongful(view):
        taken = "nothing" if took is None else f"{took:g} {unit}"
        return AppealDecision(
            appeal=True,
            statement=f"I took {taken} this round, within the limit of {view.norm_limit:g}.",
            rationale="the sanction was wrongful: I kept the norm this round",
        )
    # Draw only here, so agents who believe the sanction wrongful make no draw.
    if rng.random() < context["bluff"]:
        return AppealDecision(
            appeal=True,
            statement="I ask the community to reconsider this sanction.",
            rationale=f"worth a try (probability {context['bluff']:g})",
        )
    return AppealDecision(appeal=False, rationale="the sanction was deserved")


def juror_vote(case: Mapping[str, Any], default: str) -> tuple[str, str]:
    """A rule juror's vote on one case from what it knows, and why (in order): its own
    inspection of the accused this round; the case's record, when the sanctions punish twice an
    offence already sanctioned (overturn); a report it holds or a memory it recalled of the
    accused breaking the norm (uphold); its belief that the accused keeps the norm (above the
    prior: overturn; below: uphold); else the scenario's `juror_default` [O]."""
    known = case["known"]
    if known["inspected"] is not None:
        if known["inspected"]:
            return "uphold", "I saw it break the norm"
        return "overturn", "I saw it keep the norm"
    if punished_twice(case["evidence"]):
        return "overturn", "it was already sanctioned for that round"
    if known["reported"] or known["remembered"]:
        return "uphold", "I know of a violation"
    belief = known["belief"]
    if belief is not None and belief > PRIOR:
        return "overturn", f"I believe it keeps the norm ({belief:.2f})"
    if belief is not None and belief < PRIOR:
        return "uphold", f"I believe it breaks the norm ({belief:.2f})"
    return default, "I know nothing either way"


def rule_judge(context: dict[str, Any]) -> Judgement:
    verdicts, reasons = [], []
    for case in context["cases"]:
        vote, why = juror_vote(case, context["juror_default"])
        verdicts.append(Verdict(appeal=case["appeal"], verdict=vote))  # type: ignore[arg-type]
        reasons.append(f"{case['appeal']}: {why}")
    return Judgement(verdicts=verdicts, rationale="; ".join(reasons))


# --- the phases --------------------------------------------------------------------------------


def _settings(deps: Any) -> AppealsSettings:
    return getattr(deps.scenario.institutions, NAME)


def _this_round(record: Mapping[str, Any], number: int) -> dict[str, Any]:
    """The appeals' facts of this round kept in an agent record (`appeals`), stale ones ignored."""
    found = record.get(NAME)
    return found if found is not None and found["round"] == number else {"round": number}


def _appealable(record: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [s for s in record["news"]["sanctions_received"] if s["kind"] in APPEALABLE]


def _evidence(state: Mapping[str, Any], punisher: str, accused: str) -> dict[str, Any]:
    """What the punisher knew: its own inspection this round, else the hearsay it acted on,
    and whether the accused was already sanctioned for the round that hearsay is about."""
    from society.games.commons.dynamics import violates

    number, record = state["round"], state["agents"][punisher]
    seen = record["news"]["inspection"]
    if seen is not None and seen["target"] == accused and seen["violated"]:
        return {
            "by": punisher,
            "basis": "inspection",
            "round": number,
            "harvest": seen["harvest"],
            "sender": None,
            "already_sanctioned": False,
        }
    limit = state["norm"]["limit"]
    heard = [
        r
        for r in record["reports"]
        if r["about"] == accused and r["round"] >= number - 1 and violates(r["harvest"], limit)
    ]
    if not heard:  # sanctions are validated against the same knowledge: this cannot happen
        raise ValueError(f"{punisher} sanctioned {accused} with no evidence on record")
    latest = max(heard, key=lambda r: (r["round"], r["sender"]))
    before = state["agents"][accused]["previous_news"] or {}
    already = (
        latest["round"] < number
        and before.get("round") == latest["round"]
        and bool(before.get("sanctions_received"))
    )
    return {
        "by": punisher,
        "basis": "hearsay",
        "round": latest["round"],
        "harvest": latest["harvest"],
        "sender": latest["sender"],
        "already_sanctioned": already,
    }


def punished_twice(evidence: Sequence[Mapping[str, Any]]) -> bool:
    """Every punisher went by hearsay about an earlier round the accused was already
    sanctioned for: one offence punished twice."""
    return bool(evidence) and all(e["already_sanctioned"] for e in evidence)


class _AppealsPhase(Phase):
    """Shared by both turns: the commons' observation, one prompt, off unless enabled."""

    @property
    def observation(self) -> Any:  # type: ignore[override]
        from society.games.commons.observation import Observation

        return Observation

    def enabled(self, scenario: Any) -> bool:
        return bool(getattr(scenario.institutions, NAME).enabled)

    def prompt_id(self, view: Any) -> str:
        return PROMPT

    def validation_context(self, view: Any, context: dict[str, Any]) -> dict[str, Any]:
        return {**context, "round": view.round}


class FileAppeal(_AppealsPhase):
    """Members fined or excluded this round decide whether to appeal; juries are drawn."""

    name: ClassVar[str] = "appeal"
    node: ClassVar[str] = "resolve_appeals"
    requires: ClassVar[frozenset[str]] = frozenset({"sanctions"})
    produces: ClassVar[frozenset[str]] = frozenset({"appeals"})

    def actors(self, state: Any, deps: Any) -> list[str]:
        from society.core.state import alive

        return [a for a in alive(state) if _appealable(state["agents"][a])]

    def context(self, state: Any, agent: str, deps: Any) -> dict[str, Any]:
        settings = _settings(deps)
        record = state["agents"][agent]
        punishers = sorted({s["by"] for s in record["news"]["sanctions_received"]})
        return {
            "role": "appeal",
            "evidence": [_evidence(state, p, agent) for p in punishers],
            "fee": settings.fee,
            "max_chars": settings.max_chars,
            "bluff": settings.bluff_by_persona.get(record["persona"], settings.bluff),
        }

    def decision_type(self, view: Any, source: str) -> type[DecisionModel]:
        return AppealDecision

    def rule(self, request: Any, rng: random.Random) -> DecisionModel:
        return rule_appeal(request.observation, request.context, rng)

    def resolve(self, state: Any, deps: Any) -> dict[str, Any]:
        from society.coordinator.deps import decided
        from society.core.state import alive
        from society.games.commons.state import copy_agents

        if stop := deps.write_outcomes(state["outcomes"]):
            return {"end_reason": stop}
        settings, number = _settings(deps), state["round"]
        agents = copy_agents(state)
        choices = decided(state["outcomes"])
        appeals = [a for a, choice in choices.items() if choice["appeal"]]
        duty: dict[str, list[str]] = {}
        for index, accused in enumerate(appeals, start=1):
            record = agents[accused]
            received = record["news"]["sanctions_received"]
            punishers = sorted({s["by"] for s in received})
            pool = [a for a in alive(state) if a != accused and a not in punishers]
            if 0 < settings.jury < len(pool):
                jurors = sorted(
                    derive_rng(deps.scenario.seed, number, "appeal_jury", accused).sample(
                        pool, settings.jury
                    )
                )
            else:
                jurors = pool
            appeal = f"A{index}"
            statement = choices[accused]["statement"]
            deps.writer.write(
                AppealFiled(
                    round=number,
                    appeal=appeal,
                    accused=accused,
                    punishers=punishers,
                    sanctions=list(received),
                    evidence=[_evidence(state, p, accused) for p in punishers],
                    statement=statement,
                    fee=settings.fee,
                    jurors=jurors,
                )
            )
            record["payoff"] -= settings.fee
            record[NAME] = {
                **_this_round(record, number),
                "filed": {
                    "appeal": appeal,
                    "punishers": punishers,
                    "jurors": jurors,
                    "statement": statement,
                },
            }
            for juror in jurors:
                duty.setdefault(juror, []).append(accused)
        for juror, accused in duty.items():
            agents[juror][NAME] = {**_this_round(agents[juror], number), "judges": accused}
        return {"agents": agents}


class Judge(_AppealsPhase):
    """Jurors vote on the appeals they sit on; overturned ones are refunded and cleared."""

    name: ClassVar[str] = "judge"
    node: ClassVar[str] = "resolve_judgements"
    requires: ClassVar[frozenset[str]] = frozenset({"appeals"})
    produces: ClassVar[frozenset[str]] = frozenset({"judgements"})

    def actors(self, state: Any, deps: Any) -> list[str]:
        from society.core.state import alive

        number = state["round"]
        return [a for a in alive(state) if _this_round(state["agents"][a], number).get("judges")]

    def context(self, state: Any, agent: str, deps: Any) -> dict[str, Any]:
        from society.games.commons.dynamics import violates

        number, limit = state["round"], state["norm"]["limit"]
        juror = state["agents"][agent]
        seen = juror["news"]["inspection"]
        cases = []
        for accused in _this_round(juror, number)["judges"]:
            record = state["agents"][accused]
            filed = _this_round(record, number)["filed"]
            inspected = (
                bool(seen["violated"]) if seen is not None and seen["target"] == accused else None
            )
            reported = any(
                r["about"] == accused and r["round"] >= number - 1 and violates(r["harvest"], limit)
                for r in juror["reports"]
            )
            cases.append(
                {
                    "appeal": filed["appeal"],
                    "accused": accused,
                    "sanctions": list(record["news"]["sanctions_received"]),
                    "evidence": [_evidence(state, p, accused) for p in filed["punishers"]],
                    "statement": filed["statement"],
                    "known": {
                        "inspected": inspected,
                        "reported": reported,
                        "remembered": False,  # set by the rule from recalled memories
                        "belief": juror["reputation"].get(accused),
                    },
                }
            )
        return {"role": "judge", "cases": cases, "juror_default": _settings(deps).juror_default}

    def decision_type(self, view: Any, source: str) -> type[DecisionModel]:
        return Judgement

    def rule(self, request: Any, rng: random.Random) -> DecisionModel:
        from society.games.commons.institutions.monitoring import remembered_violators

        context = dict(request.context)
        memories = context.get("memories", [])
        cases = []
        for case in context["cases"]:
            recalled = bool(remembered_violators(memories, [case["accused"]]))
            cases.append({**case, "known": {**case["known"], "remembered": recalled}})
        return rule_judge({**context, "cases": cases})

    def resolve(self, state: Any, deps: Any) -> dict[str, Any]:
        from society.coordinator.deps import decided
        from society.games.commons.state import copy_agents

        if stop := deps.write_outcomes(state["outcomes"]):
            return {"end_reason": stop}
        settings, number = _settings(deps), state["round"]
        verdicts: dict[str, dict[str, str]] = {}
        for juror, choice in decided(state["outcomes"]).items():
            for verdict in choice["verdicts"]:
                verdicts.setdefault(verdict["appeal"], {})[juror] = verdict["verdict"]
        agents = copy_agents(state)
        filed = sorted(
            ((a, _this_round(r, number).get("filed")) for a, r in agents.items()),
            key=lambda item: item[1]["appeal"] if item[1] else "",
        )
        for accused, case in filed:
            if case is None:
                continue
            votes = dict(sorted(verdicts.get(case["appeal"], {}).items()))
            against = sum(1 for v in votes.values() if v == "overturn")
            overturned = bool(votes) and against > settings.majority * len(votes)
            refund, lifted = _clear(agents[accused], number) if overturned else (0.0, False)
            deps.writer.write(
                AppealJudged(
                    round=number,
                    appeal=case["appeal"],
                    accused=accused,
                    punishers=case["punishers"],
                    votes=votes,  # type: ignore[arg-type]
                    outcome="overturned" if overturned else "upheld",
                    refund=refund,
                    exclusion_lifted=lifted,
                )
            )
        return {"agents": agents}


def _clear(record: dict[str, Any], number: int) -> tuple[float, bool]:
    """Refund this round's fines and clear its record: the offence count back by one, the
    sanctions out of the news, an exclusion lifted. Returns (refund, exclusion lifted). The
    record keeps no history of exclusions, so lifting ends the exclusion with this round (an
    exclusion from an earlier round that reaches further is lifted with it)."""
    received = record["news"]["sanctions_received"]
    refund = sum(s["fine"] for s in received)
    record["payoff"] += refund
    record["offences"] = max(0, record["offences"] - 1)
    record["news"] = {**record["news"], "sanctions_received": []}
    lifted = any(s["exclusion_rounds"] for s in received) and record["excluded_until"] > number
    if lifted:
        # A member who harvested this round was free before; one excluded now stays out of
        # this round only (its harvest is over).
        record["excluded_until"] = number - 1 if record["news"]["harvest"] is not None else number
    return refund, lifted


# --- memory, metrics, inspect ------------------------------------------------------------------


def _remember_filed(event: AppealFiled, state: Mapping[str, Any], keeper: Any) -> list[Any]:
    punishers = ", ".join(event.punishers)
    items = [
        keeper.item(
            event.accused,
            event,
            "appeal",
            f"I appealed the sanctions by {punishers}: «{event.statement}»",
            0.5,
        )
    ]
    items += [
        keeper.item(
            p,
            event,
            "appeal",
            f"{event.accused} appealed my sanction: «{event.statement}»",
            0.5,
            about=event.accused,
        )
        for p in event.punishers
    ]
    return items


def _remember_judged(event: AppealJudged, state: Mapping[str, Any], keeper: Any) -> list[Any]:
    from society.games.commons.recall import COMPLIANCE

    against = sum(1 for v in event.votes.values() if v == "overturn")
    tally = f"{against} of {len(event.votes)} jurors for overturning"
    if event.outcome == "overturned":
        mine = f"My appeal {event.appeal} was overturned ({tally}); refund {event.refund:g}."
    else:
        mine = f"My appeal {event.appeal} was upheld ({tally}): the sanctions stand."
    items = [keeper.item(event.accused, event, "appeal", mine, 0.8)]
    if event.outcome == "overturned":
        # The punisher's newest evidence about the accused now says it kept the norm.
        items += [
            keeper.item(
                p,
                event,
                "appeal",
                f"My sanction of {event.accused} was overturned on appeal ({tally}).",
                0.7,
                about=event.accused,
                tags=(COMPLIANCE,),
            )
            for p in event.punishers
        ]
    items += [
        keeper.item(
            j,
            event,
            "appeal",
            f"As a juror I voted to {v} {event.accused}'s appeal; it was {event.outcome}.",
            0.4,
            about=event.accused,
        )
        for j, v in event.votes.items()
    ]
    return items


def appeal_metrics(events: Sequence[Any]) -> dict[str, Any]:
    """appeals_filed; overturned and overturned_share (of those judged; None without any);
    refunds (fines returned); fees paid; exclusions_lifted; wrongful_filed: appeals by members
    whose harvest that round was within the norm (what rule agents call wrongful)."""
    filed = [e for e in events if e.kind == "appeal_filed"]
    judged = [e for e in events if e.kind == "appeal_judged"]
    harvests = {e.round: e.harvested for e in events if e.kind == "harvest_resolved"}
    limits = {e.round: e.norm_limit for e in events if e.kind == "round_started"}
    wrongful = sum(
        1
        for e in filed
        if harvests.get(e.round, {}).get(e.accused, 0.0) <= (limits.get(e.round) or 0.0) + 1e-9
    )
    overturned = sum(1 for e in judged if e.outcome == "overturned")
    return {
        "appeals_filed": len(filed),
        "wrongful_filed": wrongful,
        "overturned": overturned,
        "overturned_share": overturned / len(judged) if judged else None,
        "refunds": sum(e.refund for e in judged),
        "fees": sum(e.fee for e in filed),
        "exclusions_lifted": sum(1 for e in judged if e.exclusion_lifted),
    }


def _describe_filed(event: Any) -> str:
    return (
        f"appeal {event.appeal}: {event.accused} appeals the sanctions by "
        f"{', '.join(event.punishers)} (fee {event.fee:g}); jury {', '.join(event.jurors) or 'none'}: "
        f"«{event.statement}»"
    )


def _describe_judged(event: Any) -> str:
    votes = ", ".join(f"{j}→{v}" for j, v in event.votes.items()) or "no votes"
    lifted = ", exclusion lifted" if event.exclusion_lifted else ""
    return (
        f"appeal {event.appeal} of {event.accused}: {event.outcome} ({votes}); "
        f"refund {event.refund:g}{lifted}"
    )


INSTITUTION = Institution(
    name=NAME,
    settings=AppealsSettings,
    phases=(FileAppeal(), Judge()),
    after="respond",
    games=("commons",),
    events=(AppealFiled, AppealJudged),
    memories={"appeal_filed": _remember_filed, "appeal_judged": _remember_judged},
    metrics=appeal_metrics,
    describe={"appeal_filed": _describe_filed, "appeal_judged": _describe_judged},
    ostrom_principle=6,
    prompts=(PROMPT,),
    check=_fits,
)
