"""Open registries: games, institutions and event kinds are looked up here, never listed by
hand in the core.

A registry finds its entries in three places, in this order: entries registered in code
(`register`), the subpackages/modules of a built-in package (each exposing one attribute, e.g.
`society.games.commons.GAME`), and the Python entry points of a group (third-party packages:
`[project.entry-points."society.games"] mygame = "mypkg.game:GAME"`). Loading is lazy, and an
entry that fails to load is reported with the package that offered it."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from importlib import metadata
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class RegistryError(LookupError):
    """An unknown name, or an entry that could not be loaded (names the offending package)."""


class Registry(Generic[T]):
    def __init__(self, what: str, package: str | None, attribute: str, group: str) -> None:
        self.what = what  # "game", "institution": for messages
        self.package = package  # built-in entries: its subpackages/modules (None: none)
        self.attribute = attribute
        self.group = group  # the entry-point group for third-party entries
        self._entries: dict[str, T] = {}
        self._sources: dict[str, Callable[[], T]] | None = None

    def register(self, name: str, entry: T) -> T:
        self._entries[name] = entry
        return entry

    def names(self) -> list[str]:
        return sorted({*self._entries, *self._found()})

    def get(self, name: str) -> T:
        if name in self._entries:
            return self._entries[name]
        loader = self._found().get(name)
        if loader is None:
            known = ", ".join(self.names()) or "none"
            raise RegistryError(f"unknown {self.what} {name!r}; known: {known}")
        entry = loader()
        self._entries[name] = entry
        return entry

    def all(self) -> dict[str, T]:
        return {name: self.get(name) for name in self.names()}

    def _found(self) -> dict[str, Callable[[], T]]:
        if self._sources is None:
            sources: dict[str, Callable[[], T]] = {}
            if self.package is not None:
                root = importlib.import_module(self.package)
                for module in pkgutil.iter_modules(root.__path__):
                    if not module.name.startswith("_"):
                        sources[module.name] = self._builtin(f"{self.package}.{module.name}")
            for point in metadata.entry_points(group=self.group):
                sources.setdefault(point.name, self._plugin(point))
            self._sources = sources
        return self._sources

    def _builtin(self, module_name: str) -> Callable[[], T]:
        def load() -> T:
            module = importlib.import_module(module_name)
            if not hasattr(module, self.attribute):
                raise RegistryError(f"{module_name} defines no {self.attribute}: not a {self.what}")
            return getattr(module, self.attribute)

        return load

    def _plugin(self, point: metadata.EntryPoint) -> Callable[[], T]:
        def load() -> T:
            try:
                return point.load()
            except Exception as error:  # a broken plugin must name itself
                offered_by = point.dist.name if point.dist is not None else "an unknown package"
                raise RegistryError(
                    f"{self.what} {point.name!r} from {offered_by} ({point.value}) failed to "
                    f"load: {type(error).__name__}: {error}"
                ) from error

        return load


GAMES: Registry[Any] = Registry("game", "society.games", "GAME", "society.games")

DEFAULT_GAME = "commons"  # a scenario without `game:` (every file written before games)


def game_named(name: str | None) -> Any:
    return GAMES.get(name or DEFAULT_GAME)


def game_of(scenario: Any) -> Any:
    return game_named(getattr(scenario, "game", None))


def game_of_run(events: Any) -> Any:
    """The game of the run whose events these are (its run_started names it)."""
    first = events[0] if events else None
    scenario = getattr(first, "scenario", None)
    if not isinstance(scenario, dict):
        raise RegistryError("not a run transcript: it does not start with run_started")
    return game_named(scenario.get("game"))

INSTITUTIONS: Registry[Any] = Registry(
    "institution", "society.institutions", "INSTITUTION", "society.institutions"
)

# Backend wrappers a scenario names in `llm.wrappers`: factories (inner backend, model spec)
# -> backend, registered in code or through the `society.backend_wrappers` entry points.
BACKEND_WRAPPERS: Registry[Any] = Registry(
    "backend wrapper", None, "WRAPPER", "society.backend_wrappers"
)
