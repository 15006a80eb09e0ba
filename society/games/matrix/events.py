"""The matrix game's event kinds (listed in `EVENTS` for `Game.event_types`)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from society.transcript.events import Event


class MatrixRoundStarted(Event):
    """The round's pairs, row player first, and who sits it out (a round robin's bye)."""

    kind: Literal["matrix_round_started"] = "matrix_round_started"
    stage: int  # 0-based match index: (round − 1) // match_rounds
    pairs: list[tuple[str, str]]
    sitting_out: list[str] = Field(default_factory=list)


class PairPlayed(Event):
    """One pair's round: both moves and both payoffs. `encounter`: their n-th round together."""

    kind: Literal["pair_played"] = "pair_played"
    row: str
    column: str
    encounter: int
    row_action: str
    column_action: str
    row_payoff: float
    column_payoff: float


class PairVoid(Event):
    """A pair that did not play: a player had no usable decision (the core retried, then
    recorded decision_failed); nobody scores, nothing is remembered."""

    kind: Literal["pair_void"] = "pair_void"
    row: str
    column: str
    failed: list[str]


class MatrixRoundFinished(Event):
    kind: Literal["matrix_round_finished"] = "matrix_round_finished"
    totals: dict[str, float]
    failed: list[str] = Field(default_factory=list)
    end_reason: str | None = None


EVENTS: tuple[type[Event], ...] = (MatrixRoundStarted, PairPlayed, PairVoid, MatrixRoundFinished)
