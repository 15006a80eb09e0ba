"""What a matrix-game player is shown, as pydantic models (validated before every turn; the
prompt `matrix/move` reads them). Built by views.py."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ActionInfo(_Data):
    name: str
    label: str


class Cell(_Data):
    """One cell from the player's own side."""

    mine: str
    theirs: str
    my_payoff: float
    their_payoff: float


class PastRound(_Data):
    round: int
    partner: str
    action: str
    partner_action: str
    payoff: float
    partner_payoff: float


class RelationView(_Data):
    encounters: int
    my_last: str | None
    partner_last: str | None
    my_last_payoff: float | None
    partner_defected: bool


class MoveObservation(_Data):
    agent: str
    round: int
    rounds: int  # the run's length
    partner: str
    role: str  # "row" or "column"
    pairing: str
    match_rounds: int
    round_in_match: int  # 1-based
    actions: list[ActionInfo]
    labels: dict[str, str]  # action name -> label (what the prompt says)
    options: list[str]  # the order the question names them in
    payoffs: list[Cell]
    show_partner_payoffs: bool
    horizon: bool
    partner_names: bool
    history: list[PastRound]
    total: float
    played: int
    persona: str = ""
    cooperate: str | None = None
    defect: str | None = None
    relation: RelationView
    mean_own_payoff: float
    strategy: dict[str, Any] | None = None  # a rule player's strategy
    tremble: float = 0.0
    inclination: float | None = None  # an adaptive rule player's chance of cooperating
