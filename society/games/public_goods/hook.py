"""What the public-goods game gives peer punishment (society.institutions.punishment's
`PunishmentHook`): each contributor saw every other contributor's contribution; punishment's
costs and losses go into this round's payoffs, which the closing phase settles."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from society.games.public_goods.views import seen
from society.institutions.punishment import PunisherRule, Seen


class PublicGoodsPunishment:
    def seen(self, state: Any, agent: str, deps: Any) -> Seen:
        return seen(state, agent, deps.scenario)

    def rule(self, state: Any, agent: str, deps: Any) -> PunisherRule:
        return deps.scenario.persona(state["agents"][agent]["persona"]).punishment

    def persona(self, state: Any, agent: str, deps: Any) -> str:
        return deps.personas.get(agent, "")

    def apply(self, state: Any, event: Any, deps: Any) -> dict[str, Any]:
        sanctions: dict[str, dict[str, float]] = {}
        for member in sorted({*event.spent, *event.received}):
            points = event.received.get(member, 0)
            sanctions[member] = {
                "spent": event.spent.get(member, 0.0),
                "points": points,
                "lost": event.effect * points,
            }
        return {"sanctions": sanctions}


HOOK = PublicGoodsPunishment()


def applied(sanctions: Mapping[str, Mapping[str, float]], agent: str) -> float:
    """The payoff change punishment made to `agent` this round."""
    found = sanctions.get(agent)
    return 0.0 if found is None else -found["spent"] - found["lost"]
