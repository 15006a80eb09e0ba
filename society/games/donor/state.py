"""The donor game's coordinator state: the core's plus the generation at hand; plain,
JSON-serialisable data (a checkpoint stores it as is)."""

from __future__ import annotations

from typing import Any, TypedDict

from society.core.state import CoreState


class DonorAgent(TypedDict):
    group: str
    persona: str
    joins_at: int  # the first round of the generation the agent is born in
    alive: bool  # a member now (possible newcomers are not until they join)
    seat: int


class DonorState(CoreState):
    agents: dict[str, DonorAgent]  # type: ignore[misc]
    generation: int
    game: int  # within the generation
    members: list[str]  # this generation's, in seat order for the pairing (shuffled)
    survivors: list[str]  # carried over into this generation, best first
    newcomers: list[str]
    inherited: list[dict[str, Any]]  # what this generation's newcomers read (best first)
    resources: dict[str, float]  # members' resources in the game at hand
    history: list[dict[str, Any]]  # this game's interaction records (dynamics.interaction_record)
    strategies: dict[str, Any]  # agent -> text (LLM), numbers (rules) or None (none written)
    schedule: list[list[list[str]]]  # this game's rounds of [donor, recipient] pairs
    game_finals: list[dict[str, float]]  # final resources of this generation's finished games
    failed: list[str]  # donors of this round without a usable decision


def pairs_now(state: DonorState, game_round: int) -> list[tuple[str, str]]:
    return [(donor, recipient) for donor, recipient in state["schedule"][game_round - 1]]
