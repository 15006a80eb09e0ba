"""The matrix game's coordinator state: the core's plus the pairs of the round, what each pair
of players has done together and each player's recent rounds; plain, JSON-serialisable data."""

from __future__ import annotations

from typing import Any, TypedDict

from society.core.state import CoreState


class MatrixAgent(TypedDict):
    group: str
    persona: str
    joins_at: int
    alive: bool


class Relation(TypedDict):
    """What one player knows of its rounds with one partner (rule strategies read it)."""

    encounters: int  # rounds played together so far
    my_last: str | None
    partner_last: str | None
    my_last_payoff: float | None
    partner_defected: bool  # the partner once played anything but the cooperative action


class MatrixState(CoreState):
    agents: dict[str, MatrixAgent]  # type: ignore[misc]
    order: list[str]  # every player in population order (the schedule's seats)
    schedule: list[list[list[str]]]  # one cycle of stages of [row, column] pairs ([] : random)
    stage: int  # 0-based index of the match under way (round − 1) // match_rounds
    scheduled: list[list[str]]  # the schedule's [row, column] pairs of the match under way
    pairs: list[list[str]]  # this round's pairs that play (the schedule's, or partner choice's)
    matches: list[dict[str, Any]]  # this round's pair_played payloads (institutions read them)
    relations: dict[str, dict[str, Relation]]  # player -> partner -> relation
    # player -> its last rounds (as many as matrix.told.history_rounds)
    recent: dict[str, list[dict[str, Any]]]
    totals: dict[str, float]  # payoff so far
    played: dict[str, int]  # rounds played (void rounds and byes excluded)
    failed: list[str]  # players of this round without a usable decision
    # Institutions' data (empty while they are off): who was refused or punished this round
    # (player -> reasons), the reputation beliefs (observer -> target -> belief), and the
    # cooperation propensity of adaptive rule players (strategy `adaptive`).
    sanctioned: dict[str, list[str]]
    reputation: dict[str, dict[str, float]]
    inclination: dict[str, float]
