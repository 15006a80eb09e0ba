"""The `Institution` protocol: one module that owns everything of one institution.

An institution module (in `society.institutions`, or a third-party package registered through
the `society.institutions` entry-point group) exposes `INSTITUTION = Institution(...)`: its
scenario section (under `institutions:`), its phases and where they go in a round, its event
kinds, what each of its events means to agents' memory, its metrics and how `society inspect`
describes its events. A game that accepts institutions composes them (its `institutions:`
schema through `compose_settings`, its phases, memory, metrics and views through `for_game`);
nothing else lists them.

An institution module is imported while the scenario schema is built, so at import it may use
only light modules (`society.core.*`, `society.transcript.events`, pydantic): its section's
base is `society.core.settings.Strict`, and it imports the game's modules inside functions.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, Field, create_model

from society.core.phase import Phase

# `after=ROUND_START`: the institution's phases open the round, before the game's first phase
# (an election whose winner acts in the same round).
ROUND_START = "round_start"

# (event, state, keeper) -> memory items (the game's round memory makes them: keeper.item(...))
MemoryMapper = Callable[[Any, Mapping[str, Any], Any], list[Any]]
# events of a run -> this institution's metrics (plain numbers, JSON-serialisable)
MetricsOf = Callable[[Sequence[Any]], dict[str, Any]]
# one event -> a line for `society inspect --round`
Describe = Callable[[Any], str]
# the whole `institutions:` section -> raises `rule_error(...)` when this institution, enabled,
# cannot work with the others as they are (e.g. appeals without sanctions)
Check = Callable[[Any], None]
# the scenario -> whether the institution's phases are in the round (default: its `enabled`)
Active = Callable[[Any], bool]
# (console, the events of one round) -> prints this institution's block of `society inspect`
InspectSection = Callable[[Any, Sequence[Any]], None]
# the events of one round -> this institution's keys of the report's round data
ReportRound = Callable[[Sequence[Any]], dict[str, Any]]


@dataclass(frozen=True)
class Institution:
    name: str  # its key under `institutions:` in a scenario
    settings: type[BaseModel]  # the section; `enabled: bool` switches it on
    phases: tuple[Phase, ...]
    after: str  # in a game's default round, its phases follow this phase (a game's or another
    # institution's; several after one phase go in name order)
    games: tuple[str, ...]  # the games it can join
    events: tuple[type, ...] = ()
    memories: Mapping[str, MemoryMapper] = field(default_factory=dict)
    metrics: MetricsOf | None = None
    describe: Mapping[str, Describe] = field(default_factory=dict)
    ostrom_principle: int | None = None  # which of Ostrom's design principles it serves
    prompts: tuple[str, ...] = ()  # prompt ids its phases render (checked to exist)
    check: Check | None = None
    active: Active | None = None  # when its phases run, if not exactly when it is enabled
    # The sections a game has always written keep their place (this position) and are written
    # even at their defaults; a new institution leaves None: it is written only once switched
    # on, so adding it changes no resolved scenario, run id or transcript.
    dump_position: int | None = None
    # Its fields in the game's own metrics block (the commons' `governance`, which has always
    # held them), computed for every run; `metrics` go under `institutions.<name>` instead.
    game_metrics: MetricsOf | None = None
    inspect_section: InspectSection | None = None
    report_round: ReportRound | None = None
    # A scenario's `round:` may list its phases while it is off (they run on its defaults):
    # what the commons' own six have always allowed. Off for a new institution, whose phases
    # listed while it is off are an error.
    listed_when_off: bool = False
    # Per game, the phase its phases follow when it is not `after` (an institution written for
    # several games whose action phases have different names).
    after_in: Mapping[str, str] = field(default_factory=dict)
    # The whole scenario -> raises `rule_error(...)` (a path from the scenario's root) when
    # this institution, enabled, cannot work with the rest of it (e.g. elections' candidate
    # groups that are not in the population).
    scenario_check: Check | None = None

    def after_for(self, game: str) -> str:
        """The phase of `game` this institution's phases follow in its default round."""
        return self.after_in.get(game, self.after)

    def enabled(self, scenario: Any) -> bool:
        section = getattr(scenario.institutions, self.name, None)
        return bool(section is not None and section.enabled)

    def runs(self, scenario: Any) -> bool:
        """Whether its phases are in the round (`active`, else `enabled`)."""
        return self.active(scenario) if self.active is not None else self.enabled(scenario)


def registry() -> Any:
    from society.core.registry import INSTITUTIONS

    return INSTITUTIONS


def for_game(game: str) -> list[Institution]:
    """The registered institutions that can join `game`, in name order."""
    return [i for i in registry().all().values() if game in i.games]


def enabled_for(scenario: Any, game: str) -> list[Institution]:
    return [i for i in for_game(game) if i.enabled(scenario)]


def compose_settings(base: type[BaseModel], game: str, name: str) -> type[BaseModel]:
    """`base` (a `Stable` section with the game's fixed institutions) plus one field per
    institution registered for `game`, each left out of the dump while it holds its default,
    so that adding an institution changes no resolved scenario, run id or transcript."""
    joining = sorted(
        for_game(game),
        key=lambda i: (i.dump_position is None, i.dump_position or 0, i.name),
    )
    fields: dict[str, Any] = {}
    for institution in joining:
        if institution.name in base.model_fields:
            raise ValueError(
                f"institution {institution.name!r} clashes with a fixed section of {game!r}"
            )
        doc = (institution.settings.__doc__ or "").strip().split("\n\n")[0]
        fields[institution.name] = (
            institution.settings,
            Field(default_factory=institution.settings, description=" ".join(doc.split())),
        )
    composed = create_model(  # type: ignore[call-overload]
        name, __base__=base, __module__=base.__module__, **fields
    )
    composed.__doc__ = base.__doc__
    omitted = {i.name for i in joining if i.dump_position is None}
    composed.omit_when_default = frozenset(getattr(base, "omit_when_default", ())) | omitted
    composed.institution_checks = tuple((i.name, i.check) for i in joining if i.check is not None)
    return composed


def run_checks(section: Any) -> None:
    """The checks of the enabled institutions of a composed section (its model validator)."""
    for name, check in getattr(type(section), "institution_checks", ()):
        if getattr(section, name).enabled:
            check(section)


def describers(game: str) -> dict[str, Describe]:
    """Event kind -> the line `society inspect` prints for it, from every institution of `game`."""
    found: dict[str, Describe] = {}
    for institution in for_game(game):
        found.update(institution.describe)
    return found


def event_types(game: str) -> list[type]:
    return [kind for institution in for_game(game) for kind in institution.events]


def in_round_order(game_phases: Sequence[str], game: str) -> list[tuple[str, Institution | None]]:
    """Every phase a game offers with its owner (None: the game's own). An institution's
    phases follow its `after` phase, which may be the game's or another institution's;
    institutions after the same phase go in name order, each with its phases together (and
    those after them); those after `ROUND_START` come first. Raises ValueError for an `after` that names no phase, or a phase name
    used twice."""
    anchored: dict[str, list[Institution]] = {}
    for institution in for_game(game):
        if institution.phases:
            anchored.setdefault(institution.after_for(game), []).append(institution)
    placed: list[tuple[str, Institution | None]] = []

    def follow(anchor: str) -> None:
        for institution in anchored.pop(anchor, []):
            for phase in institution.phases:
                if phase.name in game_phases or any(phase.name == n for n, _ in placed):
                    raise ValueError(
                        f"institution {institution.name!r} repeats phase {phase.name!r}"
                    )
                placed.append((phase.name, institution))
                follow(phase.name)

    follow(ROUND_START)
    for name in game_phases:
        placed.append((name, None))
        follow(name)
    if anchored:
        stray = ", ".join(f"{i.name!r} after {a!r}" for a, found in anchored.items() for i in found)
        raise ValueError(
            f"institutions go after phases {game!r} does not have: {stray} "
            f"(its phases: {', '.join(n for n, _ in placed)})"
        )
    return placed
