"""Which pairs play in a round, from the core's pairing schedules (society.core.pairing)."""

from __future__ import annotations

from collections.abc import Sequence

from society.core.pairing import fixed_partners, random_matching, round_robin
from society.core.rng import derive_rng


def cycle(kind: str, order: Sequence[str]) -> list[list[list[str]]]:
    """One cycle of stages for the fixed and round-robin schedules ([] for random matching,
    which draws each stage when it starts)."""
    if kind == "fixed":
        rounds = [fixed_partners(order)]
    elif kind == "round_robin":
        rounds = round_robin(order)
    elif kind == "random":
        return []
    else:
        raise ValueError(f"unknown pairing {kind!r}; one of: fixed, round_robin, random")
    return [[list(pair) for pair in pairs] for pairs in rounds]


def stage_of(round_number: int, match_rounds: int) -> int:
    return (round_number - 1) // match_rounds


def pairs_for_stage(
    kind: str, schedule: list[list[list[str]]], order: Sequence[str], stage: int, seed: int
) -> list[list[str]]:
    """The [row, column] pairs of a stage: the cycle's stage (cycled again after its end), or
    for random matching a seeded draw keyed by the stage (the same on a resume)."""
    if kind == "random":
        drawn = random_matching(order, derive_rng(seed, stage, "matching"))
        return [list(pair) for pair in drawn]
    return [list(pair) for pair in schedule[stage % len(schedule)]]


def sitting_out(order: Sequence[str], pairs: Sequence[Sequence[str]]) -> list[str]:
    seated = {agent for pair in pairs for agent in pair}
    return [agent for agent in order if agent not in seated]
