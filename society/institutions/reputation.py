"""Reputation: what each member believes of each other member, per pair (observer → target),
derived from the transcript's events alone.

Written for any game whose members' acts can be read as more or less cooperative. The game
offers it by returning a `ReputationHook` from `Game.institution_hook("reputation")` and by
declaring a `reputation` key in its state (observer → target → belief); the hook says which of
its events are observations (`observations(event, members)`: who saw whom do what) and gives
this round's such events as they were written (`round_events(state)`), so the belief kept in
the state during a run and the one recomputed from events.jsonl (`beliefs_from_events`) come
from the same events through the same rule.

The update rule [O]: a belief is the observer's estimate of the chance that the target
cooperates. It starts at `prior`; each observation of an act worth x (1 cooperative, 0 not)
moves it a share w of the way to x: b ← b + w (x − b), with w = `direct_weight` for the
observer's own interactions with the target and `public_weight` for acts it saw the target do
to others (the game says what is public). An exponentially weighted average: recent acts
count most, and 1 / w is about how many acts it remembers. At the end of a round every
belief that no observation moved drifts back towards the prior: b ← b + `recovery` (prior − b). A game with gossip would hand its
reports in as observations of their own source; none of the shipped games that pair agents
has gossip yet, so there are two sources.

One module; no prompt (it has no turns): partner choice (society/institutions/
partner_choice.py) shows the beliefs to the members who choose.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field

from society.core.institution import Institution
from society.core.phase import Phase
from society.core.settings import Strict
from society.transcript.events import Event

NAME = "reputation"
ACTS = "acts"  # the fact a game's action phase produces (as for peer punishment)
SOURCES = ("direct", "public")


class ReputationSettings(Strict):
    """Each member's belief that each other member cooperates, from the acts it observed
    (its own interactions, and with `public_weight` the others' it saw) [O]."""

    enabled: bool = Field(
        False, description="Keep a belief per pair (observer → target) from observed acts [O]."
    )
    prior: float = Field(
        0.5, ge=0.0, le=1.0, description="Belief about a member nothing is known of yet [O]."
    )
    direct_weight: float = Field(
        0.5,
        ge=0.0,
        le=1.0,
        description="Share of the way a belief moves towards an act the observer met itself "
        "(1 remembers only the last act) [O].",
    )
    public_weight: float = Field(
        0.25,
        ge=0.0,
        le=1.0,
        description="Share of the way a belief moves towards an act the observer saw the "
        "target do to another member (0: own interactions only) [O].",
    )
    recovery: float = Field(
        0.1,
        ge=0.0,
        le=1.0,
        description="Share of the way a belief not updated in a round moves back towards the "
        "prior at its end (old news fades; a member refused by everyone gets another chance "
        "in time); 0 keeps beliefs until the next observation [O].",
    )


class Observation(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    observer: str
    target: str
    value: float  # 1: the target cooperated, 0: it did not
    source: Literal["direct", "public"]


class ReputationHook(Protocol):
    def observations(
        self, event: Any, members: Sequence[str], scenario: Any
    ) -> list[Observation]: ...

    def round_events(self, state: Any) -> list[Event]: ...

    def members(self, state: Any) -> list[str]: ...


def hook_of(scenario: Any) -> ReputationHook:
    from society.core.registry import game_of

    game = game_of(scenario)
    hook = game.institution_hook(NAME)
    if hook is None:
        raise ValueError(f"game {game.name!r} offers no reputation hook")
    return hook


# --- the rule ----------------------------------------------------------------------------------

Beliefs = dict[str, dict[str, float]]


def weight_of(settings: ReputationSettings, source: str) -> float:
    return settings.direct_weight if source == "direct" else settings.public_weight


def belief(
    beliefs: Mapping[str, Mapping[str, float]], observer: str, target: str, prior: float
) -> float:
    return beliefs.get(observer, {}).get(target, prior)


def update(
    beliefs: Mapping[str, Mapping[str, float]],
    observations: Sequence[Observation],
    settings: ReputationSettings,
) -> tuple[Beliefs, Beliefs]:
    """One round: (the beliefs after `observations`, in order, and the drift of the others;
    the beliefs that changed)."""
    after: Beliefs = {observer: dict(row) for observer, row in beliefs.items()}
    changed: Beliefs = {}
    for seen in observations:
        weight = weight_of(settings, seen.source)
        if weight == 0.0 or seen.observer == seen.target:
            continue
        old = belief(after, seen.observer, seen.target, settings.prior)
        new = round(old + weight * (seen.value - old), 9)
        after.setdefault(seen.observer, {})[seen.target] = new
        changed.setdefault(seen.observer, {})[seen.target] = new
    if settings.recovery:
        for observer, row in after.items():
            for target, old in row.items():
                if target in changed.get(observer, {}) or old == settings.prior:
                    continue
                new = round(old + settings.recovery * (settings.prior - old), 9)
                row[target] = new
                changed.setdefault(observer, {})[target] = new
    return _sorted(after), _sorted(changed)


def _sorted(beliefs: Beliefs) -> Beliefs:
    return {o: dict(sorted(row.items())) for o, row in sorted(beliefs.items())}


def scenario_of(events: Sequence[Any]) -> Any:
    """The run's resolved scenario, from its run_started event."""
    from society.core.registry import game_named

    started = next(e for e in events if e.kind == "run_started")
    game = game_named(started.scenario.get("game"))
    return game.scenario_type.model_validate(started.scenario)


def observations_by_round(events: Sequence[Any]) -> dict[int, list[Observation]]:
    """Every observation of the run, per round, recomputed from the game's events alone."""
    scenario = scenario_of(events)
    hook = hook_of(scenario)
    members = [a.id for a in next(e for e in events if e.kind == "run_started").agents]
    found: dict[int, list[Observation]] = {}
    for event in events:
        seen = hook.observations(event, members, scenario)
        if seen:
            found.setdefault(event.round, []).extend(seen)
    return found


def beliefs_from_events(events: Sequence[Any]) -> Beliefs:
    """The beliefs at the end of the run, recomputed from the game's events alone (not from
    the `reputation` events): what the run kept in its state."""
    settings = _settings(scenario_of(events))
    beliefs: Beliefs = {}
    seen = observations_by_round(events)
    for number in sorted(e.round for e in events if e.kind == NAME):
        beliefs, _ = update(beliefs, seen.get(number, []), settings)
    return beliefs


def beliefs_by_round(events: Sequence[Any]) -> dict[int, Beliefs]:
    """The beliefs at the end of each round, from the run's `reputation` events."""
    beliefs: Beliefs = {}
    found: dict[int, Beliefs] = {}
    for event in events:
        if event.kind == NAME:
            for observer, row in event.changed.items():
                beliefs.setdefault(observer, {}).update(row)
            found[event.round] = _sorted({o: dict(r) for o, r in beliefs.items()})
    return found


# --- the event and the phase -------------------------------------------------------------------


class ReputationUpdated(Event):
    """The round's observations (by source) and every belief they changed."""

    kind: Literal["reputation"] = "reputation"
    observations: dict[str, int]  # source -> observations used this round
    changed: dict[str, dict[str, float]]  # observer -> target -> belief after the round


def _settings(scenario: Any) -> ReputationSettings:
    return getattr(scenario.institutions, NAME)


class UpdateReputation(Phase):
    """After the acts: every observer's beliefs move towards what it saw (no turns)."""

    name: ClassVar[str] = "reputation"
    node: ClassVar[str] = "update_reputation"
    turns: ClassVar[bool] = False
    requires: ClassVar[frozenset[str]] = frozenset({ACTS})
    produces: ClassVar[frozenset[str]] = frozenset({NAME})

    def enabled(self, scenario: Any) -> bool:
        return bool(_settings(scenario).enabled)

    def resolve(self, state: Any, deps: Any) -> dict[str, Any]:
        if state.get("end_reason") is not None:
            return {}
        hook, settings = hook_of(deps.scenario), _settings(deps.scenario)
        members = hook.members(state)
        seen = [
            o
            for e in hook.round_events(state)
            for o in hook.observations(e, members, deps.scenario)
        ]
        beliefs, changed = update(state["reputation"], seen, settings)
        counts = {
            s: sum(1 for o in seen if o.source == s and weight_of(settings, s)) for s in SOURCES
        }
        deps.writer.write(
            ReputationUpdated(round=state["round"], observations=counts, changed=changed)
        )
        return {"reputation": beliefs}


# --- metrics, inspect, report ------------------------------------------------------------------


def reputation_metrics(events: Sequence[Any]) -> dict[str, Any]:
    """final: the beliefs at the end (observer → target); mean_belief and lowest: over every
    pair with a belief; by_round: the mean belief at the end of each round."""
    by_round = beliefs_by_round(events)
    final = by_round[max(by_round)] if by_round else {}
    values = [v for row in final.values() for v in row.values()]
    lowest = min(((v, o, t) for o, row in final.items() for t, v in row.items()), default=None)

    def mean(beliefs: Beliefs) -> float | None:
        found = [v for row in beliefs.values() for v in row.values()]
        return round(sum(found) / len(found), 6) if found else None

    return {
        "pairs": len(values),
        "mean_belief": round(sum(values) / len(values), 6) if values else None,
        "lowest": None
        if lowest is None
        else {"observer": lowest[1], "target": lowest[2], "belief": lowest[0]},
        "by_round": [{"round": r, "mean_belief": mean(b)} for r, b in sorted(by_round.items())],
        "final": final,
    }


def describe_reputation(event: Any) -> str:
    pairs = sum(len(row) for row in event.changed.values())
    used = ", ".join(f"{n} {s}" for s, n in event.observations.items() if n)
    return f"reputation: {pairs} belief(s) updated from {used or 'no observations'}"


def reputation_table(events: Sequence[Any], round: int | None = None) -> dict[str, Any] | None:
    """The per-pair table at the end of `round` (default: the last): members in order, and
    rows[observer][target] (None: no belief yet, or oneself). None without reputation events."""
    by_round = beliefs_by_round(events)
    if not by_round:
        return None
    reached = [r for r in by_round if round is None or r <= round]
    at = max(reached) if reached else None
    beliefs = by_round[at] if at is not None else {}
    started = next((e for e in events if e.kind == "run_started"), None)
    if started is not None:
        members = [a.id for a in started.agents]
    else:
        members = sorted({m for o, row in beliefs.items() for m in (o, *row)})
    return {
        "round": at,
        "members": members,
        "rows": {o: {t: beliefs.get(o, {}).get(t) for t in members} for o in members},
    }


def print_reputation(console: Any, events: Sequence[Any], round: int | None = None) -> None:
    """The per-pair belief table for `society inspect` (rows: observer; columns: target)."""
    from rich.table import Table

    table_data = reputation_table(events, round)
    if table_data is None:
        return
    members = table_data["members"]
    table = Table(
        title=f"Reputation after round {table_data['round']} (row believes column cooperates)"
    )
    table.add_column("observer")
    for member in members:
        table.add_column(member, justify="right")
    for observer in members:
        cells = table_data["rows"][observer]
        table.add_row(observer, *("–" if cells[t] is None else f"{cells[t]:.2f}" for t in members))
    console.print(table)


INSTITUTION = Institution(
    name=NAME,
    settings=ReputationSettings,
    phases=(UpdateReputation(),),
    after="play",
    games=("matrix",),
    events=(ReputationUpdated,),
    metrics=reputation_metrics,
    describe={NAME: describe_reputation},
)
