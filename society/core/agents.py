"""The agents of a run: one `AgentSpec` per agent that may play, founders and newcomers
(`joins_at` > 1). A game lists them (`Game.agents`); by default, the population in order."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class AgentSpec:
    id: str
    group: str
    persona: str
    model: str
    joins_at: int = 1


def agents_of(scenario: Any) -> list[AgentSpec]:
    """Every agent of the run, as its game lists them (`Game.agents`): the runner builds
    their minds at the start."""
    from society.core.registry import game_of

    return list(game_of(scenario).agents(scenario))


def population_agents(scenario: Any) -> list[AgentSpec]:
    """Each population group's `count` agents (the default `Game.agents`). `scenario`: any
    game's scenario (`society.scenario.base.ScenarioBase`; typed loosely because the core
    sits below the scenario schema). Ids are `<group>-<n>`, zero-padded to the group's size so
    that they sort in order."""
    agents = []
    for group in scenario.population:
        width = len(str(group.count))
        for index in range(1, group.count + 1):
            agents.append(
                AgentSpec(
                    f"{group.name}-{index:0{width}d}",
                    group.name,
                    group.persona,
                    scenario.model_for(group).name,
                    group.joins_at,
                )
            )
    return agents
