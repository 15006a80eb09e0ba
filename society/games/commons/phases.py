"""The commons' own phases: the harvest, settlement and regrowth (and the agent-only
reflection). The institutions' phases (gossip and sanctions' respond turn, the town hall,
propose → vote, learning; monitoring rides on the harvest) live in their modules,
`society.institutions.*`, and join the round after the phase each names."""

from __future__ import annotations

import random
from typing import Any

from society.agents.mind import DecisionRequest
from society.core.phase import Phase
from society.games.commons import decisions as d
from society.games.commons import rules, views
from society.games.commons.harvesting import resolve_harvest
from society.games.commons.observation import Observation
from society.games.commons.settlement import regrow, settle


class CommonsPhase(Phase):
    observation = Observation

    def validation_context(self, view: Any, context: dict[str, Any]) -> dict[str, Any]:
        # The stock is the largest ask (amount harvests).
        return {**context, "max_amount": view.max_amount, "round": view.round}


class Harvest(CommonsPhase):
    """Every member not excluded takes from the commons; monitors name whom they inspect."""

    name = "harvest"
    node = "resolve_harvest"
    produces = frozenset({"harvests", "inspections"})

    def actors(self, state: Any, deps: Any) -> list[str]:
        return views.harvesters(state)

    def context(self, state: Any, agent: str, deps: Any) -> dict[str, Any]:
        return views.harvest_context(state, agent, deps)

    def resolve(self, state: Any, deps: Any) -> dict[str, Any]:
        return resolve_harvest(state, deps)

    def prompt_id(self, view: Any) -> str:
        return f"harvest_{view.harvest_mode}"

    def decision_type(self, view: Any, source: str) -> type[d.DecisionModel]:
        return d.HARVEST_DECISIONS[view.harvest_mode]

    def rule(self, request: DecisionRequest, rng: random.Random) -> d.DecisionModel:
        return rules.harvest(request.observation, request.decision_type, request.context, rng)


class Settle(CommonsPhase):
    """Consumption and starvation, after fines were paid."""

    name = "settle"
    node = "settle"
    turns = False
    produces = frozenset({"payoffs"})

    def resolve(self, state: Any, deps: Any) -> dict[str, Any]:
        return settle(state, deps)


class Regrow(CommonsPhase):
    """The stock regrows and the end conditions are checked: this phase closes the round."""

    name = "regrow"
    node = "regrow"
    turns = False

    def resolve(self, state: Any, deps: Any) -> dict[str, Any]:
        return regrow(state, deps)


class Reflect(CommonsPhase):
    """LLM agents' end-of-round insight (agent-only: run by the round memory, not listed in a
    round) when social learning, which carries it, is off."""

    name = "reflect"

    def decision_type(self, view: Any, source: str) -> type[d.DecisionModel]:
        return d.Reflection


PHASES: tuple[Phase, ...] = (Harvest(), Settle(), Regrow(), Reflect())
