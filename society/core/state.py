"""What every game's coordinator state holds: the round, the agents, the phase's outcomes and
why the run ends. A game's state is a TypedDict that extends `CoreState` with its own keys;
everything in it is plain, JSON-serialisable data, so a checkpointer can store it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Annotated, Any, TypedDict, TypeVar

T = TypeVar("T")


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


class _Fixed:
    """A state being read by a fan-out: its members, and values computed once from it."""

    def __init__(self, state: Any, members: list[str]) -> None:
        self.state = state
        self.members = members
        self.shared: dict[str, Any] = {}


_FIXED: ContextVar[_Fixed | None] = ContextVar("fixed_state", default=None)


def alive(state: CoreState) -> list[str]:
    """Members this round: alive and already joined."""
    fixed = _FIXED.get()
    if fixed is not None and fixed.state is state:
        return list(fixed.members)
    number = state["round"]
    return sorted(a for a, r in state["agents"].items() if r["alive"] and r["joins_at"] <= number)


@contextmanager
def members_fixed(state: CoreState) -> Iterator[list[str]]:
    """Within the block, `alive` of this very state object is listed once, not once per call:
    for a fan-out, whose observations and contexts of every agent read the state and never
    change it (with N agents each listing the members, a phase cost O(N² log N)). Views may
    share other values computed from the state the same way (`shared_by_fan_out`)."""
    members = alive(state)
    token = _FIXED.set(_Fixed(state, members))
    try:
        yield list(members)
    finally:
        _FIXED.reset(token)


def shared_by_fan_out(state: CoreState, key: str, compute: Callable[[], T]) -> T:
    """`compute()`, once per fan-out over this very state object (see `members_fixed`) and
    `key`; outside a fan-out, every time. The value is shared: callers must not change it."""
    fixed = _FIXED.get()
    if fixed is None or fixed.state is not state:
        return compute()
    if key not in fixed.shared:
        fixed.shared[key] = compute()
    return fixed.shared[key]  # type: ignore[no-any-return]
