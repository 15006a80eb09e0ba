"""What members observe: the contribution view (plain data for the observation model and the
prompt) and, for peer punishment, what each member saw this round (`seen`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from society.games.public_goods.dynamics import others_mean
from society.institutions.punishment import Seen, SeenAct


def _n(value: float) -> str:
    return f"{value:g}"


def punishment_rules(scenario: Any) -> dict[str, Any] | None:
    section = scenario.institutions.punishment
    if not section.enabled:
        return None
    return {
        "cost": section.cost,
        "effect": section.effect,
        "max_points_per_target": section.max_points_per_target,
        "max_points": section.max_points,
    }


def past_round(record: Mapping[str, Any], agent: str, individual: bool) -> dict[str, Any]:
    contributions = record["contributions"]
    others = {a: c for a, c in sorted(contributions.items()) if a != agent}
    sanction = record["sanctions"].get(agent, {})
    return {
        "round": record["round"],
        "own": contributions.get(agent),
        "others": [{"member": a, "amount": c} for a, c in others.items()] if individual else None,
        "others_total": sum(others.values()),
        "others_mean": others_mean(contributions, agent),
        "payoff": record["payoffs"].get(agent, 0.0),
        "points_received": int(sanction.get("points", 0)),
        "lost": sanction.get("lost", 0.0),
        "spent": sanction.get("spent", 0.0),
    }


def contribution_view(
    state: Mapping[str, Any], agent: str, scenario: Any, persona: str
) -> dict[str, Any]:
    settings = scenario.public_goods
    record = state["agents"][agent]
    individual = settings.visibility == "individual"
    shown = state["history"][-settings.history_shown :] if settings.history_shown else []
    last = state["history"][-1] if state["history"] else None
    return {
        "agent": agent,
        "round": state["round"],
        "rounds": scenario.rounds,
        "persona": persona,
        "members": scenario.agent_count,
        "endowment": settings.endowment,
        "multiplier": settings.multiplier,
        "mpcr": scenario.mpcr,
        "whole_units": settings.whole_units,
        "visibility": settings.visibility,
        "unit": settings.unit,
        "punishment": punishment_rules(scenario),
        "total_payoff": state["payoffs"][agent],
        # Each other member's contribution for the last round only (the mean for earlier
        # ones): the prompt grows with the group once, not once per round shown.
        "history": [
            past_round(r, agent, individual and index == 0)
            for index, r in enumerate(reversed(shown))
        ],
        "rule": scenario.persona(record["persona"]).contribution.model_dump(),
        "floor": record["floor"],
        "last_own": None if last is None else last["contributions"].get(agent),
        "last_others_mean": None if last is None else others_mean(last["contributions"], agent),
    }


def seen(state: Mapping[str, Any], agent: str, scenario: Any) -> Seen:
    """What `agent` saw this round: every other contributor's contribution (only members who
    contributed take part, and only with individual visibility)."""
    settings = scenario.public_goods
    contributions = state["contributions"]
    if agent not in contributions or settings.visibility != "individual":
        return Seen(acts=[], unit=settings.unit)
    endowment = _n(settings.endowment)

    def act(member: str) -> SeenAct:
        amount = contributions[member]
        return SeenAct(
            member=member, amount=amount, text=f"contributed {_n(amount)} of {endowment}"
        )

    own = contributions[agent]
    total = sum(contributions.values())
    share = state["stage_payoffs"][agent] - (settings.endowment - own)
    situation = [
        f"Round {state['round']} of {scenario.rounds}. You contributed {_n(own)} of your "
        f"{endowment} {settings.unit}; the group contributed {_n(total)} in all.",
        f"The project returned {share:.2f} {settings.unit} to each member: you earn "
        f"{state['stage_payoffs'][agent]:.2f} this round before punishment.",
    ]
    return Seen(
        acts=[act(m) for m in sorted(contributions) if m != agent],
        own=act(agent),
        unit=settings.unit,
        situation=situation,
    )
