"""What every game's coordinator state holds: the round, the agents, the phase's outcomes and
why the run ends. A game's state is a TypedDict that extends `CoreState` with its own keys;
everything in it is plain, JSON-serialisable data, so a checkpointer can store it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Annotated, Any, TypedDict


def merge_outcomes(current: dict[str, Any], update: dict[str, Any] | None) -> dict[str, Any]:
    """Order-independent merge of per-agent outcomes (keys are agent ids); None clears.
    Updates in place: copying the dict for each of N agents would cost O(N²) per phase, and
    the channel's previous value is not kept anywhere else."""
    if update is None:
        return {}
    current.update(update)
    return current


class CoreAgent(TypedDict):
    """The fields of an agent record the core reads; a game's record adds its own."""

    group: str
    persona: str
    joins_at: int  # first round as a member (newcomers join later)
    alive: bool


class CoreState(TypedDict):
    round: int
    agents: dict[str, Any]  # agent id -> the game's record (at least CoreAgent's fields)
    outcomes: Annotated[dict[str, Any], merge_outcomes]
    end_reason: str | None


# (state, its members) while a fan-out reads that state (see `members_fixed`).
_FIXED: ContextVar[tuple[Any, list[str]] | None] = ContextVar("fixed_members", default=None)


def alive(state: CoreState) -> list[str]:
    """Members this round: alive and already joined."""
    fixed = _FIXED.get()
    if fixed is not None and fixed[0] is state:
        return list(fixed[1])
    number = state["round"]
    return sorted(a for a, r in state["agents"].items() if r["alive"] and r["joins_at"] <= number)


@contextmanager
def members_fixed(state: CoreState) -> Iterator[list[str]]:
    """Within the block, `alive` of this very state object is listed once, not once per call:
    for a fan-out, whose observations and contexts of every agent read the state and never
    change it (with N agents each listing the members, a phase cost O(N² log N))."""
    members = alive(state)
    token = _FIXED.set((state, members))
    try:
        yield list(members)
    finally:
        _FIXED.reset(token)
