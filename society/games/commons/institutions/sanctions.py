"""Graduated sanctions (Ostrom 1990, design principle 5): a member who knows that a peer broke
the norm G(t) (its own inspection this round, or with `act_on_gossip` a report about this round
or the previous one) may punish it in the respond turn it shares with gossip. Punishing costs
the punisher κ; the step on the ladder (warning, fine φ, 2φ, exclusion...) follows the
offender's number of earlier sanctioned rounds, the last step repeating [P mechanism, O values].

Rule agents punish each known violator with their propensity p [P]."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from typing import Annotated, Any, Literal

from pydantic import Field

from society.core.institution import Institution
from society.core.settings import Strict, rule_error
from society.games.commons.institutions._commons import number, of_kind
from society.transcript.events import Event

NAME = "sanctions"


class WarningStep(Strict):
    kind: Literal["warning"] = "warning"


class FineStep(Strict):
    kind: Literal["fine"] = "fine"
    multiple: float = Field(1.0, gt=0.0, description="Fine as a multiple of the base fine φ.")


class ExclusionStep(Strict):
    kind: Literal["exclusion"] = "exclusion"
    rounds: int = Field(1, ge=1, le=100, description="Rounds the offender may not harvest.")


SanctionStep = Annotated[WarningStep | FineStep | ExclusionStep, Field(discriminator="kind")]


def _default_ladder() -> list[SanctionStep]:
    # Graduated sanctions [P mechanism, O values]: warning, φ, 2φ, then exclusion for a round.
    return [WarningStep(), FineStep(multiple=1.0), FineStep(multiple=2.0), ExclusionStep(rounds=1)]


class Sanctions(Strict):
    """Costly, graduated punishment of known violators of the group norm (Ostrom 5)."""

    enabled: bool = Field(
        False, description="Agents may punish peers they know exceeded the norm G(t) [P]."
    )
    cost: float = Field(
        1.0,
        ge=0.0,
        description="κ: what each punishment costs the punisher (units) [O, Fehr–Gächter 1:3].",
    )
    fine: float = Field(3.0, ge=0.0, description="φ: the base fine (units) [O].")
    ladder: list[SanctionStep] = Field(
        default_factory=_default_ladder,
        min_length=1,
        description="Steps by the offender's number of earlier sanctioned rounds; the last step repeats.",
    )
    act_on_gossip: bool = Field(
        False, description="Agents may also punish peers that others reported as violators [O]."
    )


def _need_knowledge(institutions: Any) -> None:
    informed = institutions.monitoring.enabled or (
        institutions.gossip.enabled and institutions.sanctions.act_on_gossip
    )
    if not informed:
        raise rule_error(
            "sanctions need monitoring (or gossip with act_on_gossip): nobody can know of a violation",
            NAME,
            "enabled",
        )


# --- events ------------------------------------------------------------------------------------


class SanctionApplied(Event):
    kind: Literal["sanction"] = "sanction"
    punisher: str
    target: str
    target_harvest: float | None
    norm_limit: float
    step: int
    sanction: Literal["warning", "fine", "exclusion"]
    punisher_cost: float
    fine: float
    exclusion_rounds: int


# --- who may be punished, and the respond turn's part -------------------------------------------


def punishable(state: Mapping[str, Any], agent: str, deps: Any) -> list[str]:
    """Peers this agent knows broke the norm G(t): seen by its own inspection this round, or
    (with act_on_gossip) reported to it about the previous round or this one."""
    from society.games.commons import dynamics as commons

    sanctions = getattr(deps.scenario.institutions, NAME)
    if not sanctions.enabled:
        return []
    record = state["agents"][agent]
    known: set[str] = set()
    inspection = record["news"]["inspection"]
    if inspection is not None and inspection["violated"]:
        known.add(inspection["target"])
    if sanctions.act_on_gossip:
        limit = state["norm"]["limit"]
        for report in record["reports"]:
            if report["round"] >= state["round"] - 1 and commons.violates(report["harvest"], limit):
                known.add(report["about"])
    return sorted(peer for peer in known if peer != agent and state["agents"][peer]["alive"])


def rule_punish(view: Any, context: dict[str, Any], rng: random.Random) -> list[str]:
    """Each known violator is punished with the agent's propensity p [P]."""
    return [
        target for target in context.get("punishable", []) if rng.random() < view.strategy.punish
    ]


def apply_sanctions(
    state: Mapping[str, Any],
    agents: dict[str, Any],
    choices: Mapping[str, Mapping[str, Any]],
    deps: Any,
) -> None:
    from society.games.commons import dynamics as commons

    sanctions = getattr(deps.scenario.institutions, NAME)
    if not sanctions.enabled:
        return
    round_number, limit = state["round"], state["norm"]["limit"]
    ladder = [_step(step) for step in sanctions.ladder]
    punished_now: set[str] = set()
    for punisher, choice in choices.items():
        allowed = set(punishable(state, punisher, deps))
        for target in choice.get("punish", []):
            if target not in allowed:  # validated already; a rule mind could still err
                raise ValueError(
                    f"{punisher} tried to punish {target}, who it does not know to be a violator"
                )
            # The step depends on the target's record before this round, so several
            # punishers in one round impose the same step.
            outcome = commons.sanction(
                punisher,
                target,
                ladder,
                state["agents"][target]["offences"],
                sanctions.cost,
                sanctions.fine,
            )
            deps.writer.write(
                SanctionApplied(
                    round=round_number,
                    punisher=punisher,
                    target=target,
                    target_harvest=agents[target]["news"]["harvest"],
                    norm_limit=limit,
                    step=outcome.step,
                    sanction=outcome.kind,
                    punisher_cost=outcome.punisher_cost,
                    fine=outcome.fine,
                    exclusion_rounds=outcome.exclusion_rounds,
                )
            )
            giver, receiver = agents[punisher], agents[target]
            giver["payoff"] -= outcome.punisher_cost
            giver["news"]["fines_paid"] += outcome.punisher_cost
            giver["news"]["punished"].append(target)
            receiver["payoff"] -= outcome.fine
            receiver["news"]["sanctions_received"].append(
                {
                    "by": punisher,
                    "kind": outcome.kind,
                    "fine": outcome.fine,
                    "exclusion_rounds": outcome.exclusion_rounds,
                }
            )
            if outcome.exclusion_rounds:
                receiver["excluded_until"] = max(
                    receiver["excluded_until"], round_number + outcome.exclusion_rounds
                )
            punished_now.add(target)
    for target in punished_now:
        agents[target]["offences"] += 1


def _step(step: Any) -> Any:
    from society.games.commons.dynamics.sanctions import LadderStep

    if step.kind == "fine":
        return LadderStep("fine", fine_multiple=step.multiple)
    if step.kind == "exclusion":
        return LadderStep("exclusion", exclusion_rounds=step.rounds)
    return LadderStep("warning")


# --- memory, metrics, inspect, report ----------------------------------------------------------


def _remember(event: SanctionApplied, state: Mapping[str, Any], keeper: Any) -> list[Any]:
    from society.games.commons.recall import SANCTIONED_ME, VIOLATION

    detail = event.sanction
    if event.fine:
        detail += f", fine {number(event.fine)}"
    if event.exclusion_rounds:
        detail += f", excluded {event.exclusion_rounds} round(s)"
    took = "" if event.target_harvest is None else f" for taking {number(event.target_harvest)}"
    return [
        keeper.item(
            event.target,
            event,
            "sanction",
            f"{event.punisher} sanctioned me ({detail}){took}.",
            0.9,
            about=event.punisher,
            tags=(SANCTIONED_ME,),
        ),
        keeper.item(
            event.punisher,
            event,
            "sanction",
            f"I sanctioned {event.target} ({detail}){took}; cost me {number(event.punisher_cost)}.",
            0.6,
            about=event.target,
            tags=(VIOLATION,),
        ),
    ]


def sanction_metrics(events: Sequence[Any]) -> dict[str, Any]:
    """sanctions; punishment_rate: sanctions per detected violation (an inspection that found
    h > G) [O]; punisher_costs; fines; exclusions."""
    sanctions = of_kind(events, "sanction")
    detected = sum(1 for i in of_kind(events, "inspection") if i.violated)
    return {
        "sanctions": len(sanctions),
        "punishment_rate": len(sanctions) / detected if detected else None,
        "punisher_costs": sum(s.punisher_cost for s in sanctions),
        "fines": sum(s.fine for s in sanctions),
        "exclusions": sum(1 for s in sanctions if s.sanction == "exclusion"),
    }


def ladder_step(step: int) -> str:
    """A sanction's ladder step as the `sanction` event numbers it: from 0, the first entry
    of `sanctions.ladder` (README, Institutions)."""
    return f"ladder step {step}"


def _detail(s: Any) -> str:
    if s.sanction == "fine":
        return f"fine {s.fine:g}"
    if s.sanction == "exclusion":
        return f"excluded {s.exclusion_rounds} round(s)"
    return "warning"


def _took(s: Any) -> str:
    return "-" if s.target_harvest is None else f"{s.target_harvest:.2f}"


def _inspect(console: Any, events: Sequence[Any]) -> None:
    sanctions = of_kind(events, "sanction")
    if not sanctions:
        return
    console.print("[bold]Sanctions[/]")
    for s in sanctions:
        console.print(
            f"  {s.punisher} → {s.target} (took {_took(s)}): "
            f"{ladder_step(s.step)}, {_detail(s)}; cost {s.punisher_cost:g}",
            highlight=False,
        )


def _report(events: Sequence[Any]) -> dict[str, Any]:
    return {
        "sanctions": [
            [s.punisher, s.target, s.sanction, s.step, s.fine, s.exclusion_rounds, s.target_harvest]
            for s in of_kind(events, "sanction")
        ]
    }


def _describe(s: Any) -> str:
    return f"{s.punisher} → {s.target} (took {_took(s)}): {ladder_step(s.step)}, {_detail(s)}"


INSTITUTION = Institution(
    name=NAME,
    settings=Sanctions,
    phases=(),  # its decisions are part of the respond turn (`society.games.commons.institutions.gossip`)
    after="respond",
    games=("commons",),
    events=(SanctionApplied,),
    memories={"sanction": _remember},
    describe={"sanction": _describe},
    ostrom_principle=5,
    check=_need_knowledge,
    dump_position=3,
    game_metrics=sanction_metrics,
    inspect_section=_inspect,
    report_round=_report,
    listed_when_off=True,
)
