"""The `Phase` protocol: one step of a round, as data the round graph is built from.

A phase either lets agents take turns (each acting agent's mind returns the phase's typed
decision, concurrently) and then resolves them, or is a resolution step alone (settling,
regrowth). The round graph (`society.core.round_graph`) runs a game's phases in the order the
scenario gives and never names one itself.

Routing, the same for every phase:
- a turn phase is skipped when the round is already ending (its resolver does not run);
- with nobody to act, its resolver still runs on no outcomes (`resolve_when_idle`), or the
  phase is skipped;
- a phase that `repeats` (one speaker after another) is entered again after its resolver
  until nobody is left to act;
- a phase without turns always runs (it handles an ending round itself).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from pydantic import BaseModel

    from society.core.decision import DecisionModel


class Phase:
    """Subclass and set the class attributes; override what the phase does."""

    name: ClassVar[str]
    # The resolver's node in the round graph (kept stable: checkpoints name it).
    node: ClassVar[str]
    turns: ClassVar[bool] = True
    repeats: ClassVar[bool] = False
    resolve_when_idle: ClassVar[bool] = True
    # Facts of the round this phase reads and writes; the scenario's `round:` list is checked
    # so that every fact a phase requires is produced by an earlier phase (or by the game at
    # the start of the round).
    requires: ClassVar[frozenset[str]] = frozenset()
    produces: ClassVar[frozenset[str]] = frozenset()
    # The observation model agents get in this phase (validated before every turn).
    observation: ClassVar[type[BaseModel] | None] = None

    # --- the coordinator's side -------------------------------------------------------------

    def enabled(self, scenario: Any) -> bool:
        """Whether the scenario switches this phase on (a game may offer phases it does not
        run by default)."""
        return True

    def actors(self, state: Any, deps: Any) -> list[str]:
        """Agents that take a turn now, in order (empty: nobody acts)."""
        return []

    def acting_role(self, scenario: Any) -> str | None:
        """The role whose holders alone act in this phase (`society.core.roles`); the round
        graph keeps only them of `actors`. None: whoever `actors` lists."""
        return None

    def context(self, state: Any, agent: str, deps: Any) -> dict[str, Any]:
        """The facts of the phase at hand for `agent` (validators read them too)."""
        return {}

    def resolve(self, state: Any, deps: Any) -> dict[str, Any]:
        """The state update after the turns (or the step itself, for a phase without turns)."""
        raise NotImplementedError(f"phase {self.name!r} has no resolver")

    def steps(self, scenario: Any) -> int:
        """Graph steps this phase takes per round at most (for the recursion limit)."""
        return 2 if self.turns else 1

    # --- the agents' side -------------------------------------------------------------------

    def prompt_id(self, view: Any) -> str:
        return self.name

    def validation_context(self, view: Any, context: dict[str, Any]) -> dict[str, Any]:
        """What the decision's validators check a reply against: the phase's facts and the
        round (claims cannot be about a later one)."""
        return {**context, "round": view.round}

    def decision_type(self, view: Any, source: str) -> type[DecisionModel]:
        raise NotImplementedError(f"phase {self.name!r} has no decision type")

    def rule(self, request: Any, rng: Any) -> DecisionModel:
        """The rule-based agents' policy for this phase (`request`: a
        society.agents.mind.DecisionRequest; the core sits below the minds)."""
        raise NotImplementedError(f"rule-based agents have no rule for phase {self.name!r}")


def by_name(phases: Mapping[str, Phase] | list[Phase], name: str) -> Phase:
    found = phases if isinstance(phases, Mapping) else {p.name: p for p in phases}
    try:
        return found[name]
    except KeyError:
        raise ValueError(f"unknown phase {name!r}; known: {', '.join(found)}") from None
