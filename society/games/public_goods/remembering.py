"""What the public-goods game's events mean to members' episodic memory (memory is off by
default; `memory.enabled: true` turns it on), through the core's table-driven keeper
(`society.coordinator.event_memory.EventMemory`). Importance [O]: a punishment received 0.8,
one given 0.6 (the institution's), contributions seen 0.5, a round's earnings 0.4, the
round's reflection 0.6."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from society.coordinator.event_memory import EventMemory
from society.games.public_goods.dynamics import others_mean

TOPICS = {
    "contribute": "how much to contribute; what the others contributed; punishment received; my earnings",
    "punish": "who contributed less than the others; punishment points; what punishing cost me",
}


def _contributions(event: Any, state: Mapping[str, Any], keeper: Any) -> list[Any]:
    items = []
    for agent, own in event.contributions.items():
        mean = others_mean(event.contributions, agent)
        others = ", ".join(f"{a} {c:g}" for a, c in event.contributions.items() if a != agent)
        text = (
            f"I contributed {own:g}; the others {others} (mean {mean:.1f})."
            if mean is not None
            else f"I contributed {own:g}."
        )
        items.append(keeper.item(agent, event, "contribution", text, 0.5))
    for agent in event.failed:
        items.append(
            keeper.item(
                agent, event, "contribution", "I made no valid decision and sat the round out.", 0.5
            )
        )
    return items


def _earnings(event: Any, state: Mapping[str, Any], keeper: Any) -> list[Any]:
    return [
        keeper.item(
            a, event, "outcome", f"I earned {p:.2f} this round ({event.totals[a]:.2f} so far).", 0.4
        )
        for a, p in event.payoffs.items()
    ]


def situation(view: Mapping[str, Any]) -> str:
    if "mpcr" in view:  # the contribution view
        last = view["last_others_mean"]
        seen = (
            f" The others contributed {last:.1f} on average last round." if last is not None else ""
        )
        return f"Round {view['round']} of {view['rounds']}.{seen}"
    return " ".join(view.get("situation", []))


def reflection(state: Mapping[str, Any], agent: str) -> str:
    contributions = state["contributions"]
    if agent not in contributions:
        return f"Round {state['round']}: I sat out."
    mean = others_mean(contributions, agent)
    sanction = state["sanctions"].get(agent, {})
    text = f"Round {state['round']}: I contributed {contributions[agent]:g}"
    if mean is not None:
        text += f", the others {mean:.1f} on average"
    if sanction.get("points"):
        text += f"; I was punished with {int(sanction['points'])} point(s)"
    return text + "."


def memory_keeper(deps: Any, institutions: Sequence[Any]) -> EventMemory:
    mappers: dict[str, Any] = {"contributions": _contributions, "public_goods_round": _earnings}
    for institution in institutions:
        for kind, mapper in institution.memories.items():
            if kind in mappers:
                raise ValueError(f"institution {institution.name!r} maps event kind {kind!r} twice")
            mappers[kind] = mapper
    return EventMemory(
        deps.memory,
        deps.scenario.memory,
        deps.writer,
        mappers=mappers,
        topics=TOPICS,
        situation=situation,
        reflection=reflection,
    )
