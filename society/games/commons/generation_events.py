"""Event kinds of a commons run with generations (scenario section `generations:`): a member
retiring at the end of its generation, and each turnover with what passed on."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from society.transcript.events import Event


class AgentRetired(Event):
    """A member's generation is over: it stops acting (it did not die) and `successor` takes
    its seat."""

    kind: Literal["agent_retired"] = "agent_retired"
    agent: str
    generation: int
    payoff: float
    successor: str


class GenerationTurnover(Event):
    """Generation `generation` takes over at this round: who retired, who was born, what each
    successor inherited (`inherit`) and how many memories it was given."""

    kind: Literal["generation_turnover"] = "generation_turnover"
    generation: int
    retired: list[str]
    born: list[str]
    successors: dict[str, str]  # successor -> the elder whose seat it takes
    inherit: list[str]
    memories: dict[str, int] = Field(default_factory=dict)  # successor -> memories copied
    strategies: int = 0  # successors that took over an elder's strategy record
    norm_limit: float
    norm_reset: bool  # the society's norm went back to the scenario's


GENERATION_EVENTS: tuple[type[Event], ...] = (AgentRetired, GenerationTurnover)
