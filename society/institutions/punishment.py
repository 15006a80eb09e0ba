"""Peer punishment: after a game's action phase, each member may assign punishment points to
members whose actions it saw; each point costs the punisher `cost` and the target `effect`
(Fehr & Gächter 2000, 2002: the punishment stage of the public-goods game; Gürerk, Irlenbusch
& Rockenbach 2006 and SanctSim use the same 1 : 3 technology).

Written for any game. The game offers it by returning a `PunishmentHook` from
`Game.institution_hook("punishment")` and by producing the fact `acts` in its action phase
(the phase this one follows, `Institution.after_for(game)`). The hook says:

- `seen(state, agent, deps)`: what `agent` saw this round: the acts of the members it may
  punish (`member`, a number `amount` a rule can compare, a `text` for prompts), its own act,
  the unit of payoffs and a few lines of situation for the prompt. A public-goods member sees
  every other member's contribution; a player of a paired game sees its partner's move.
- `rule(state, agent, deps)`: the agent's `PunisherRule` numbers (a game keeps them in its
  personas), read by rule minds only.
- `persona(state, agent, deps)`: the persona text LLM agents are shown.
- `apply(state, event, deps)`: the state update that applies the round's `PunishmentResolved`
  event to the game's payoffs (`event.changes`: agent -> −cost × points given − effect ×
  points received; `spent` and `received` break it down).

Nothing here names a game, a group or a contribution: a target is any member the hook lists.
One module, one prompt (`prompts/punish.j2`).

Rule minds (`PunisherRule`, [O]): a member's shortfall is how far its act falls below the
punisher's reference (the mean act of the others the punisher saw, itself included, as in
Fehr & Gächter's finding that punishment grows with a member's deviation below the others'
mean; or the punisher's own act). The punisher means to take `severity` × shortfall from it,
scaled down when punishing is dear (the price of a unit of loss, cost / effect, above
`max_price`), in whole points rounded up, at most `max_points_per_target` each and `max_points` in all.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from society.core.decision import RATIONALE_MAX, Choice, DecisionModel, Limit, context_of
from society.core.institution import Institution
from society.core.phase import Phase
from society.core.settings import Strict
from society.transcript.events import Event

NAME = "punishment"
PROMPT = "punish"
ACTS = "acts"  # the fact a game's action phase produces: every member's act is known


# --- the scenario section ----------------------------------------------------------------------


class PunishmentSettings(Strict):
    """After the action phase, members may assign punishment points to members whose actions
    they saw; each point costs the punisher `cost` and the target `effect` (Fehr & Gächter
    2000, 2002).

    Tags: [FG2000] Fehr & Gächter 2000, AER 90(4); [FG2002] Fehr & Gächter 2002, Nature 415;
    [SanctSim] Guzman Piedrahita et al. 2025 (arXiv 2506.23276), its code's parameters.py;
    [O] our own."""

    enabled: bool = Field(
        False,
        description="Members may punish members whose actions they saw, after the action "
        "phase [FG2000].",
    )
    cost: float = Field(
        1.0,
        gt=0.0,
        le=1000.0,
        description="What one point costs the punisher (payoff units): 1 [FG2002, SanctSim].",
    )
    effect: float = Field(
        3.0,
        ge=0.0,
        le=1000.0,
        description="What one point takes from the target (payoff units): 3 [FG2002, SanctSim].",
    )
    max_points_per_target: int = Field(
        10,
        ge=1,
        le=1000,
        description="Points one member may assign to one other per round: 10 [FG2000: 0–10 "
        "points per member].",
    )
    max_points: int | None = Field(
        None,
        ge=1,
        le=100_000,
        description="Points one member may assign in all per round; none: only the per-target "
        "cap [O]. SanctSim: 20 (its stage-2 endowment of 20 tokens) [SanctSim].",
    )


class PunisherRule(Strict):
    """A rule agent's punishing numbers (a game keeps them in its personas) [O]."""

    severity: float = Field(
        0.0,
        ge=0.0,
        le=10.0,
        description="Payoff the punisher means to take per unit of a member's shortfall below "
        "its reference; 0 never punishes [O].",
    )
    reference: Literal["mean", "own"] = Field(
        "mean",
        description="What a member's act is compared with: the mean act of the others the "
        "punisher saw, its own included [FG2000: punishment grows with the deviation below "
        "the others' mean], or the punisher's own act [O].",
    )
    tolerance: float = Field(
        0.0, ge=0.0, description="Shortfalls up to this are not punished (units of the act) [O]."
    )
    max_price: float = Field(
        1.0,
        ge=0.0,
        le=1000.0,
        description="The most the punisher pays for one unit of the target's loss (cost / "
        "effect) in full; dearer punishment is scaled down in proportion (demand for "
        "punishment falls with its price) [O].",
    )


# --- what a game gives (the hook) ---------------------------------------------------------------


class SeenAct(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    member: str
    amount: float  # a number a rule compares (a contribution; 1 cooperate, 0 defect)
    text: str  # how the prompt shows it ("contributed 5 of 20")


class Seen(BaseModel):
    """What one agent saw in the round's action phase (`PunishmentHook.seen`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    acts: list[SeenAct]  # the members it may punish
    own: SeenAct | None = None
    unit: str = "points"
    situation: list[str] = Field(default_factory=list)  # lines for the prompt


class PunishmentHook(Protocol):
    def seen(self, state: Any, agent: str, deps: Any) -> Seen: ...

    def rule(self, state: Any, agent: str, deps: Any) -> PunisherRule: ...

    def persona(self, state: Any, agent: str, deps: Any) -> str: ...

    def apply(self, state: Any, event: PunishmentResolved, deps: Any) -> dict[str, Any]: ...


def hook_of(deps: Any) -> PunishmentHook:
    from society.core.registry import game_of

    game = game_of(deps.scenario)
    hook = game.institution_hook(NAME)
    if hook is None:
        raise ValueError(f"game {game.name!r} offers no punishment hook")
    return hook


# --- events ------------------------------------------------------------------------------------


class Assignment(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    by: str
    target: str
    points: int
    target_amount: float  # the target's act as the punisher saw it
    reference: float  # the mean act of the others the punisher saw (itself included)


class PunishmentResolved(Event):
    """The round's punishment: every assignment, and per member what it spent, received and
    the payoff change applied. Targets are told only the points they received, not by whom
    [FG2000]."""

    kind: Literal["punishment"] = "punishment"
    cost: float
    effect: float
    assignments: list[Assignment]
    spent: dict[str, float]  # punisher -> cost paid
    received: dict[str, int]  # target -> points received
    changes: dict[str, float]  # member -> payoff change (spent and lost)
    failed: list[str] = Field(default_factory=list)  # punishers without a usable decision


# --- observation and decision ------------------------------------------------------------------


class PunishView(BaseModel):
    """What a member is shown before it punishes."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    agent: str
    round: int
    persona: str = ""
    unit: str
    acts: list[SeenAct]
    own: SeenAct | None = None
    situation: list[str] = Field(default_factory=list)
    cost: float
    effect: float
    max_points_per_target: int
    max_points: int | None = None


class Points(DecisionModel):
    target: str = Field(description="The member you punish.")
    points: int = Field(ge=0, description="Punishment points you assign to them.")


class PunishmentDecision(DecisionModel):
    """Whom to punish and with how many points (an empty list punishes nobody)."""

    points: list[Points] = Field(
        default_factory=list,
        description="One entry per member you punish; an empty list punishes nobody.",
    )
    rationale: str = Field(
        min_length=1, max_length=RATIONALE_MAX, description="One or two sentences: why."
    )

    @classmethod
    def choices(cls, context: dict[str, Any]) -> tuple[Choice, ...]:
        targets = context.get("targets")
        return () if not targets else ((("points", "target"), tuple(targets)),)

    @classmethod
    def limits(cls, context: dict[str, Any]) -> tuple[Limit, ...]:
        targets = context.get("targets")
        return () if targets is None else ((("points",), (("maxItems", len(targets)),)),)

    @field_validator("points")
    @classmethod
    def _within_the_rules(cls, entries: list[Points], info: ValidationInfo) -> list[Points]:
        facts = context_of(info)
        targets = facts.get("targets")
        if targets is None:  # built in code, not read from a mind
            return entries
        named = [e.target for e in entries]
        for target in named:
            if target not in targets:
                raise ValueError(
                    f"{target!r} is not a member you can punish; you can punish: {', '.join(targets)}"
                )
        if len(set(named)) != len(named):
            raise ValueError("name each member at most once")
        per_target = facts["max_points_per_target"]
        for entry in entries:
            if entry.points > per_target:
                raise ValueError(
                    f"at most {per_target} points per member (got {entry.points} for {entry.target})"
                )
        total, cap = sum(e.points for e in entries), facts.get("max_points")
        if cap is not None and total > cap:
            raise ValueError(f"at most {cap} points in all (got {total})")
        return entries


# --- rule minds --------------------------------------------------------------------------------


def reference_of(view: PunishView, target: str, rule: PunisherRule) -> float:
    """What the punisher compares `target`'s act with: the mean act of the others it saw
    (its own included), or its own act (also when it saw nobody else)."""
    own = view.own.amount if view.own is not None else None
    if rule.reference == "mean":
        others = [a.amount for a in view.acts if a.member != target]
        if own is not None:
            others.append(own)
        if others:
            return sum(others) / len(others)
    return own if own is not None else target_amount(view, target)


def target_amount(view: PunishView, target: str) -> float:
    return next(a.amount for a in view.acts if a.member == target)


def rule_points(view: PunishView, rule: PunisherRule) -> dict[str, int]:
    """Points per target (only those punished), capped per target and in all (the largest
    shortfalls keep theirs first; ties by member name)."""
    if rule.severity <= 0 or view.effect <= 0:
        return {}
    price = view.cost / view.effect  # what one unit of the target's loss costs the punisher
    willing = 1.0 if price <= rule.max_price else rule.max_price / price
    wanted: list[tuple[float, str, int]] = []
    for act in view.acts:
        shortfall = reference_of(view, act.member, rule) - act.amount
        if shortfall <= rule.tolerance:
            continue
        # Whole points, rounded up: any shortfall beyond the tolerance costs at least one.
        points = math.ceil(rule.severity * shortfall * willing / view.effect - 1e-9)
        points = min(points, view.max_points_per_target)
        if points > 0:
            wanted.append((shortfall, act.member, points))
    left = view.max_points
    chosen: dict[str, int] = {}
    for _, member, points in sorted(wanted, key=lambda w: (-w[0], w[1])):
        if left is not None:
            points = min(points, left)
            left -= points
        if points > 0:
            chosen[member] = points
    return dict(sorted(chosen.items()))


def rule_punishment(view: PunishView, rule: PunisherRule) -> PunishmentDecision:
    chosen = rule_points(view, rule)
    if not chosen:
        why = "nobody fell short enough" if rule.severity > 0 else "I do not punish"
        return PunishmentDecision(points=[], rationale=why)
    listed = ", ".join(f"{m} {p}" for m, p in chosen.items())
    return PunishmentDecision(
        points=[Points(target=m, points=p) for m, p in chosen.items()],
        rationale=f"below my reference ({rule.reference}): {listed}",
    )


# --- the phase ---------------------------------------------------------------------------------


def _settings(scenario: Any) -> PunishmentSettings:
    return getattr(scenario.institutions, NAME)


class Punish(Phase):
    """Members who saw others act assign punishment points; the game applies the payoffs."""

    name: ClassVar[str] = "punish"
    node: ClassVar[str] = "resolve_punishment"
    requires: ClassVar[frozenset[str]] = frozenset({ACTS})
    produces: ClassVar[frozenset[str]] = frozenset({NAME})
    observation: ClassVar[type[BaseModel]] = PunishView

    def enabled(self, scenario: Any) -> bool:
        return bool(_settings(scenario).enabled)

    def actors(self, state: Any, deps: Any) -> list[str]:
        from society.core.state import alive

        hook = hook_of(deps)
        return [a for a in alive(state) if hook.seen(state, a, deps).acts]

    def observe(self, state: Any, agent: str, deps: Any) -> dict[str, Any]:
        """The view (the game's `observe` hands this phase's views here)."""
        hook, settings = hook_of(deps), _settings(deps.scenario)
        seen = hook.seen(state, agent, deps)
        return {
            "agent": agent,
            "round": state["round"],
            "persona": hook.persona(state, agent, deps),
            "unit": seen.unit,
            "acts": [a.model_dump() for a in seen.acts],
            "own": seen.own.model_dump() if seen.own is not None else None,
            "situation": list(seen.situation),
            "cost": settings.cost,
            "effect": settings.effect,
            "max_points_per_target": settings.max_points_per_target,
            "max_points": settings.max_points,
        }

    def context(self, state: Any, agent: str, deps: Any) -> dict[str, Any]:
        hook, settings = hook_of(deps), _settings(deps.scenario)
        return {
            "targets": [a.member for a in hook.seen(state, agent, deps).acts],
            "max_points_per_target": settings.max_points_per_target,
            "max_points": settings.max_points,
            "rule": hook.rule(state, agent, deps).model_dump(),
        }

    def prompt_id(self, view: Any) -> str:
        return PROMPT

    def decision_type(self, view: Any, source: str) -> type[DecisionModel]:
        return PunishmentDecision

    def rule(self, request: Any, rng: random.Random) -> DecisionModel:
        rule = PunisherRule.model_validate(request.context["rule"])
        return rule_punishment(request.observation, rule)

    def resolve(self, state: Any, deps: Any) -> dict[str, Any]:
        from society.coordinator.deps import decided

        outcomes = state["outcomes"]
        if stop := deps.write_outcomes(outcomes):
            return {"end_reason": stop}
        hook, settings = hook_of(deps), _settings(deps.scenario)
        choices = decided(outcomes)
        assignments: list[Assignment] = []
        for punisher, choice in choices.items():
            view = PunishView.model_validate(self.observe(state, punisher, deps))
            reference = PunisherRule(reference="mean")
            for entry in choice["points"]:
                if entry["points"] <= 0:
                    continue
                assignments.append(
                    Assignment(
                        by=punisher,
                        target=entry["target"],
                        points=entry["points"],
                        target_amount=target_amount(view, entry["target"]),
                        reference=reference_of(view, entry["target"], reference),
                    )
                )
        assignments.sort(key=lambda a: (a.by, a.target))
        spent: dict[str, float] = {}
        received: dict[str, int] = {}
        for a in assignments:
            spent[a.by] = spent.get(a.by, 0.0) + settings.cost * a.points
            received[a.target] = received.get(a.target, 0) + a.points
        changes: dict[str, float] = {}
        for member in sorted({*spent, *received}):
            changes[member] = -spent.get(member, 0.0) - settings.effect * received.get(member, 0)
        event = PunishmentResolved(
            round=state["round"],
            cost=settings.cost,
            effect=settings.effect,
            assignments=assignments,
            spent=dict(sorted(spent.items())),
            received=dict(sorted(received.items())),
            changes=changes,
            failed=sorted(set(outcomes) - set(choices)),
        )
        deps.writer.write(event)
        return hook.apply(state, event, deps)


# --- memory, metrics, inspect ------------------------------------------------------------------


def _remember(event: PunishmentResolved, state: Mapping[str, Any], keeper: Any) -> list[Any]:
    items = []
    for target, points in event.received.items():
        lost = event.effect * points
        items.append(
            keeper.item(
                target,
                event,
                "punishment",
                f"I received {points} punishment point(s): I lost {lost:g}.",
                0.8,
                tags=("punished_me",),
            )
        )
    for a in event.assignments:
        items.append(
            keeper.item(
                a.by,
                event,
                "punishment",
                f"I gave {a.target} {a.points} punishment point(s) (their act {a.target_amount:g}, "
                f"the others' mean {a.reference:g}); it cost me {event.cost * a.points:g}.",
                0.6,
                about=a.target,
                tags=("punished",),
            )
        )
    return items


def punishment_metrics(events: Sequence[Any]) -> dict[str, Any]:
    """points assigned, spent (punishers' cost), loss (targets' loss), punishments (punisher-
    target pairs), rounds with any punishment; antisocial_share: the share of points given to
    members whose act was at or above the punisher's reference (Herrmann, Thöni & Gächter
    2008's antisocial punishment; None without points); by_round."""
    rounds = [e for e in events if e.kind == NAME]
    points = sum(a.points for e in rounds for a in e.assignments)
    antisocial = sum(
        a.points for e in rounds for a in e.assignments if a.target_amount >= a.reference
    )
    return {
        "points": points,
        "spent": round(sum(sum(e.spent.values()) for e in rounds), 6),
        "loss": round(sum(e.effect * sum(e.received.values()) for e in rounds), 6),
        "punishments": sum(len(e.assignments) for e in rounds),
        "rounds_with_punishment": sum(1 for e in rounds if e.assignments),
        "antisocial_share": round(antisocial / points, 6) if points else None,
        "failed_decisions": sum(len(e.failed) for e in rounds),
        "by_round": [
            {
                "round": e.round,
                "points": sum(a.points for a in e.assignments),
                "spent": round(sum(e.spent.values()), 6),
                "loss": round(e.effect * sum(e.received.values()), 6),
            }
            for e in rounds
        ],
    }


def describe_punishment(event: Any) -> str:
    if not event.assignments:
        return "punishment: nobody punished" + (
            f" (no decision: {', '.join(event.failed)})" if event.failed else ""
        )
    given = ", ".join(f"{a.by}→{a.target} {a.points}" for a in event.assignments)
    return (
        f"punishment (cost {event.cost:g}, effect {event.effect:g} a point): {given}; "
        f"spent {sum(event.spent.values()):g}, lost {event.effect * sum(event.received.values()):g}"
    )


INSTITUTION = Institution(
    name=NAME,
    settings=PunishmentSettings,
    phases=(Punish(),),
    after="contribute",
    after_in={"matrix": "play"},
    games=("public_goods", "matrix"),
    events=(PunishmentResolved,),
    memories={NAME: _remember},
    metrics=punishment_metrics,
    describe={NAME: describe_punishment},
    ostrom_principle=5,
    prompts=(PROMPT,),
)
