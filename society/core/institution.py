"""The `Institution` protocol: one module that owns everything of one institution.

An institution module (in `society.institutions`, or a third-party package registered through
the `society.institutions` entry-point group) exposes `INSTITUTION = Institution(...)`: its
scenario section (under `institutions:`), its phases and where they go in a round, its event
kinds, what each of its events means to agents' memory, its metrics and how `society inspect`
describes its events. A game that accepts institutions (`Game.accepts_institutions`) composes
them; nothing else lists them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from society.core.phase import Phase

# (event, state, keeper) -> memory items (the game's round memory makes them: keeper.item(...))
MemoryMapper = Callable[[Any, Mapping[str, Any], Any], list[Any]]
# events of a run -> this institution's metrics (plain numbers, JSON-serialisable)
MetricsOf = Callable[[Sequence[Any]], dict[str, Any]]
# one event -> a line for `society inspect --round`
Describe = Callable[[Any], str]


@dataclass(frozen=True)
class Institution:
    name: str  # its key under `institutions:` in a scenario
    settings: type[BaseModel]  # the section; `enabled: bool` switches it on
    phases: tuple[Phase, ...]
    after: str  # in a game's default round, its phases follow this phase
    games: tuple[str, ...]  # the games it can join
    events: tuple[type, ...] = ()
    memories: Mapping[str, MemoryMapper] = field(default_factory=dict)
    metrics: MetricsOf | None = None
    describe: Mapping[str, Describe] = field(default_factory=dict)
    ostrom_principle: int | None = None  # which of Ostrom's design principles it serves

    def enabled(self, scenario: Any) -> bool:
        section = getattr(scenario.institutions, self.name, None)
        return bool(section is not None and section.enabled)


def registry() -> Any:
    from society.core.registry import INSTITUTIONS

    return INSTITUTIONS


def for_game(game: str) -> list[Institution]:
    """The registered institutions that can join `game`, in name order."""
    return [i for i in registry().all().values() if game in i.games]
