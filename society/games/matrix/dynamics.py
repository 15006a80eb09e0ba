"""The matrix game's mechanics as pure functions over plain data: what a pair's moves pay,
how they are classified, and what each player remembers of them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Play:
    """One pair's round: the moves, the payoffs, and what they were in the game's terms."""

    row_action: str
    column_action: str
    row_payoff: float
    column_payoff: float

    def cooperated(self, cooperate: str | None) -> tuple[bool, bool] | None:
        if cooperate is None:
            return None
        return self.row_action == cooperate, self.column_action == cooperate

    @property
    def coordinated(self) -> bool:
        return self.row_action == self.column_action


def play(settings: Any, row_action: str, column_action: str) -> Play:
    """`settings`: the MatrixSettings section (payoffs[row][column] = (row, column))."""
    for action in (row_action, column_action):
        if action not in settings.actions:
            raise ValueError(f"unknown action {action!r}; actions: {', '.join(settings.names)}")
    row_payoff, column_payoff = settings.payoff(row_action, column_action)
    return Play(row_action, column_action, row_payoff, column_payoff)


def suckered(mine: str, theirs: str, cooperate: str | None) -> bool:
    """The sucker's payoff: I cooperated and my partner did not."""
    return cooperate is not None and mine == cooperate and theirs != cooperate


def relation_after(
    relation: Mapping[str, Any] | None,
    *,
    mine: str,
    theirs: str,
    payoff: float,
    cooperate: str | None,
) -> dict[str, Any]:
    """A player's relation to its partner after a round together."""
    before = relation or new_relation()
    defected = cooperate is not None and theirs != cooperate
    return {
        "encounters": int(before["encounters"]) + 1,
        "my_last": mine,
        "partner_last": theirs,
        "my_last_payoff": payoff,
        "partner_defected": bool(before["partner_defected"]) or defected,
    }


def new_relation() -> dict[str, Any]:
    return {
        "encounters": 0,
        "my_last": None,
        "partner_last": None,
        "my_last_payoff": None,
        "partner_defected": False,
    }


def history_entry(
    round_number: int, partner: str, mine: str, theirs: str, payoff: float, partner_payoff: float
) -> dict[str, Any]:
    return {
        "round": round_number,
        "partner": partner,
        "action": mine,
        "partner_action": theirs,
        "payoff": payoff,
        "partner_payoff": partner_payoff,
    }


def mean_own_payoff(own: Mapping[str, Mapping[str, tuple[float, float]]]) -> float:
    """The mean of a player's own payoffs over every cell (win-stay-lose-shift's derived
    aspiration)."""
    cells = [pair[0] for row in own.values() for pair in row.values()]
    return sum(cells) / len(cells)
