"""A game's phases with those of the institutions registered for it, in round order: what
`Game.phases`, `default_round` and `check_round` need, written once for every game whose
institutions join its round the standard way (an institution's phases run while it is on;
listing them in `round:` while it is off is an error)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from society.core.game import RoundError
from society.core.institution import Institution, in_round_order
from society.core.phase import Phase


@dataclass(frozen=True)
class PhaseTable:
    by_name: dict[str, Phase]  # every phase the game offers, in round order
    owners: dict[str, Institution]  # an institution's phase -> the institution

    @classmethod
    def build(cls, own: Sequence[Phase], game: str) -> PhaseTable:
        mine = {phase.name: phase for phase in own}
        by_name: dict[str, Phase] = {}
        owners: dict[str, Institution] = {}
        for name, owner in in_round_order(list(mine), game):
            if owner is None:
                by_name[name] = mine[name]
            else:
                by_name[name] = next(p for p in owner.phases if p.name == name)
                owners[name] = owner
        return cls(by_name, owners)

    def default_round(self, scenario: Any) -> list[str]:
        """The game's phases and those of every institution that runs in this scenario."""
        return [
            name
            for name in self.by_name
            if name not in self.owners or self.owners[name].runs(scenario)
        ]

    def refuse_off(self, scenario: Any, order: Sequence[str]) -> None:
        """Raise RoundError for a phase in `order` whose institution is off."""
        for index, name in enumerate(order):
            owner = self.owners.get(name)
            if owner is not None and not owner.runs(scenario):
                raise RoundError(
                    f"phase {name!r} belongs to the institution {owner.name!r}, which is off "
                    f"(set institutions.{owner.name}.enabled: true)",
                    index,
                )

    def joined(self, phase: str) -> Phase | None:
        """An institution's phase of that name (None for the game's own or an unknown one)."""
        return self.by_name.get(phase) if phase in self.owners else None
