"""Monitoring (Ostrom 1990, design principle 4): after the harvest, a member may inspect one
peer's harvest at a cost and so learn whether it kept the norm G(t) in force.

Monitoring has no turn of its own: it rides on the harvest decision (its `inspect` field,
`Inspects`), so a monitor spends no extra model call. Rule agents inspect with their
propensity m, preferring (with `target_suspects`) a peer their recalled memories name as a
violator; LLM agents name whom, or nobody [P mechanism, O bias]. An inspection moves the
monitor's reputation belief about the target by the gossip section's `observation_weight`.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from pydantic import Field, ValidationInfo, field_validator

from society.core.decision import Choice, DecisionModel, context_of
from society.core.institution import Institution
from society.core.settings import Strict
from society.games.commons.institutions._commons import number, of_kind
from society.transcript.events import Event

NAME = "monitoring"


class Monitoring(Strict):
    """Agents inspect one peer's harvest after the harvest (Ostrom 4)."""

    enabled: bool = Field(
        False,
        description="Rule agents inspect a random peer with their propensity m; LLM agents choose whom, or nobody [P].",
    )
    cost: float = Field(
        0.0, ge=0.0, description="What one inspection costs the inspector (units) [P: 0]."
    )
    target_suspects: float = Field(
        0.5,
        ge=0.0,
        le=1.0,
        description="Rule agents: probability that an inspection targets a peer the agent's "
        "recalled memories name as a violator (seen, told or sanctioned), when they name one it "
        "can inspect; otherwise the target is random. 0 is the paper's random inspection [P]; "
        "the default uses memory [O].",
    )


# --- events ------------------------------------------------------------------------------------


class Inspection(Event):
    """A monitor learned a peer's harvest this round."""

    kind: Literal["inspection"] = "inspection"
    monitor: str
    target: str
    harvest: float
    norm_limit: float
    violated: bool
    cost: float


# --- the decision's part -----------------------------------------------------------------------


class Inspects(DecisionModel):
    """Harvest decisions may name a peer to inspect (monitoring), when the society has it."""

    @classmethod
    def choices(cls, context: dict[str, Any]) -> tuple[Choice, ...]:
        allowed = context.get("inspectable")
        return () if allowed is None else ((("inspect",), (*allowed, None)),)

    @field_validator("inspect", check_fields=False)
    @classmethod
    def _inspectable(cls, target: str | None, info: ValidationInfo) -> str | None:
        if target is None or target == "":
            return None
        if info.context is None:  # built in code, not read from a mind: nothing to check against
            return target
        allowed = context_of(info).get("inspectable")
        if allowed is None:
            raise ValueError("monitoring is not available in this society; leave 'inspect' null")
        if target not in allowed:
            raise ValueError(f"can only inspect one of: {', '.join(allowed)} (or null)")
        return target


def harvest_context(state: Any, agent: str, deps: Any, harvesters: Sequence[str]) -> dict[str, Any]:
    """What the harvest turn needs to offer an inspection (or to leave the field out: also
    for a member who does not hold the offices' monitor role, when there is one)."""
    from society.games.commons.institutions import offices

    monitoring = getattr(deps.scenario.institutions, NAME)
    if not monitoring.enabled or not offices.may_inspect(state, agent, deps):
        return {"omit_fields": ["inspect"]}
    return {
        "inspectable": [peer for peer in harvesters if peer != agent],
        "target_suspects": monitoring.target_suspects,
    }


# --- the rule policy ---------------------------------------------------------------------------


def inspection_target(
    view: Any, context: dict[str, Any], rng: random.Random
) -> tuple[str | None, str]:
    """Whom to inspect (with propensity m) and why, in words for the rationale. A peer the
    agent's recalled memories name as a violator is preferred with probability
    `target_suspects`; otherwise the target is a random peer (the paper's rule)."""
    inspectable = context.get("inspectable")
    if not inspectable or rng.random() >= view.strategy.monitor:
        return None, ""
    suspects = remembered_violators(context.get("memories", []), inspectable)
    bias = context.get("target_suspects", 0.0)
    # No extra draw unless it can matter, so bias 0 gives the paper's draws exactly.
    if suspects and bias > 0 and rng.random() < bias:
        target = rng.choice(sorted(suspects))
        rounds = ", ".join(str(r) for r in suspects[target])
        return target, f"; inspect {target}, remembered over the limit (round {rounds})"
    return rng.choice(inspectable), ""


def remembered_violators(
    memories: list[dict[str, Any]], candidates: list[str]
) -> dict[str, list[int]]:
    """Peers among `candidates` whose latest recalled memory tags them as violators, with the
    rounds of the violations recalled. A later memory of compliance clears a peer: suspicion
    follows the newest evidence, so a reformed peer is no longer singled out."""
    from society.games.commons.recall import COMPLIANCE, VIOLATION

    allowed = set(candidates)
    latest: dict[str, tuple[int, int, bool]] = {}
    violations: dict[str, set[int]] = {}
    for memory in memories:
        peer, tags = memory.get("about"), memory.get("tags", ())
        if peer not in allowed or not (VIOLATION in tags or COMPLIANCE in tags):
            continue
        violated = VIOLATION in tags
        when = (memory["round"], memory.get("source_seq") or 0, violated)
        latest[peer] = max(latest.get(peer, when), when)
        if violated:
            violations.setdefault(peer, set()).add(memory["round"])
    return {peer: sorted(violations[peer]) for peer, (_, _, bad) in latest.items() if bad}


# --- the resolution (part of the harvest's) ----------------------------------------------------


def resolve_inspections(
    state: Mapping[str, Any],
    agents: dict[str, Any],
    choices: Mapping[str, Mapping[str, Any]],
    harvested: Mapping[str, float],
    deps: Any,
) -> None:
    """Each monitor learns its target's harvest, pays the cost and updates its belief."""
    from society.games.commons import dynamics as commons

    monitoring = getattr(deps.scenario.institutions, NAME)
    if not monitoring.enabled:
        return
    number_, limit = state["round"], state["norm"]["limit"]
    weight = deps.scenario.institutions.gossip.observation_weight
    for monitor, choice in choices.items():
        target = choice.get("inspect")
        if target is None or target not in harvested:
            continue
        amount = harvested[target]
        violated = commons.violates(amount, limit)
        deps.writer.write(
            Inspection(
                round=number_,
                monitor=monitor,
                target=target,
                harvest=amount,
                norm_limit=limit,
                violated=violated,
                cost=monitoring.cost,
            )
        )
        record = agents[monitor]
        record["payoff"] -= monitoring.cost
        record["news"]["costs_paid"] += monitoring.cost
        record["news"]["inspection"] = {"target": target, "harvest": amount, "violated": violated}
        belief = record["reputation"].get(target, commons.PRIOR)
        record["reputation"][target] = commons.update_reputation(belief, not violated, weight)


# --- memory, metrics, inspect, report ----------------------------------------------------------


def _remember(event: Inspection, state: Mapping[str, Any], keeper: Any) -> list[Any]:
    from society.games.commons.recall import COMPLIANCE, VIOLATION

    verdict = "over" if event.violated else "within"
    text = (
        f"I inspected {event.target}: took {number(event.harvest)} {keeper.unit}, {verdict} "
        f"the limit {number(event.norm_limit)}."
    )
    return [
        keeper.item(
            event.monitor,
            event,
            "observation",
            text,
            0.7 if event.violated else 0.4,
            about=event.target,
            tags=(VIOLATION,) if event.violated else (COMPLIANCE,),
        )
    ]


def monitoring_metrics(events: Sequence[Any]) -> dict[str, Any]:
    """monitoring_rate: inspections per harvesting agent-round; detected_violations:
    inspections that found h > G [O]."""
    inspections = of_kind(events, "inspection")
    harvesting = sum(len(e.harvested) for e in of_kind(events, "harvest_resolved"))
    return {
        "monitoring_rate": len(inspections) / harvesting if harvesting else 0.0,
        "detected_violations": sum(1 for i in inspections if i.violated),
    }


def _inspect(console: Any, events: Sequence[Any]) -> None:
    inspections = of_kind(events, "inspection")
    if not inspections:
        return
    console.print("[bold]Monitoring[/]")
    for i in inspections:
        verdict = "[red]broke the norm[/]" if i.violated else "kept the norm"
        console.print(
            f"  {i.monitor} inspected {i.target}: took {i.harvest:.2f}, {verdict}",
            highlight=False,
        )


def _report(events: Sequence[Any]) -> dict[str, Any]:
    return {
        "inspections": [
            [i.monitor, i.target, i.harvest, i.violated, i.seq]
            for i in of_kind(events, "inspection")
        ]
    }


def _describe(event: Any) -> str:
    verdict = "broke the norm" if event.violated else "kept the norm"
    return f"{event.monitor} inspected {event.target}: took {event.harvest:.2f}, {verdict}"


INSTITUTION = Institution(
    name=NAME,
    settings=Monitoring,
    phases=(),  # rides on the harvest decision (`Inspects`)
    after="harvest",
    games=("commons",),
    events=(Inspection,),
    memories={"inspection": _remember},
    describe={"inspection": _describe},
    ostrom_principle=4,
    dump_position=1,
    game_metrics=monitoring_metrics,
    inspect_section=_inspect,
    report_round=_report,
    listed_when_off=True,
)
