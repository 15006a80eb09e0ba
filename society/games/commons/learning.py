"""Resolve the learning phase: apply each agent's revised strategy and record who followed whom."""

from __future__ import annotations

from typing import Any

from society.coordinator.deps import CoordinatorDeps, decided
from society.games.commons.events import StrategyUpdated
from society.games.commons.state import SocietyState, copy_agents

NUMERIC = ("effort", "monitor", "punish", "norm")


def resolve_learning(state: SocietyState, deps: CoordinatorDeps) -> dict[str, Any]:
    if stop := deps.write_outcomes(state["outcomes"]):
        return {"end_reason": stop}
    agents = copy_agents(state)
    for agent, choice in decided(state["outcomes"]).items():
        strategy = agents[agent]["strategy"]
        before = dict(strategy)
        if deps.mind_sources[agent] == "rules":
            strategy.update({key: choice[key] for key in NUMERIC})
            copied, probability = choice["copied"], choice["copy_probability"]
        else:
            strategy.update({"text": choice["strategy"], "norm": choice["personal_limit"]})
            copied, probability = choice["followed"] is not None, None
        deps.writer.write(
            StrategyUpdated(
                round=state["round"],
                agent=agent,
                followed=choice["followed"],
                copied=copied,
                copy_probability=probability,
                before=before,
                after=dict(strategy),
            )
        )
    return {"agents": agents}
