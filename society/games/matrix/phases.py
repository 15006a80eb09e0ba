"""The matrix game's phases: the schedule pairs the players, every paired player moves
(concurrently), then the round closes. Institutions go between them (partner choice after
`pair`, punishment and reputation after `play`)."""

from __future__ import annotations

import random
from typing import Any

from society.agents.mind import DecisionRequest
from society.core.decision import DecisionModel
from society.core.phase import Phase
from society.games.matrix.decisions import Move
from society.games.matrix.observation import MoveObservation
from society.games.matrix.playing import close_round, resolve_moves
from society.games.matrix.setup import pair_players
from society.games.matrix.state import MatrixState
from society.games.matrix.strategies import rule_move

PROMPT = "matrix/move"


class PairPhase(Phase):
    """The round's pairs from the pairing schedule (no turns)."""

    name = "pair"
    node = "pair_players"
    turns = False
    produces = frozenset({"pairs"})

    def resolve(self, state: MatrixState, deps: Any) -> dict[str, Any]:
        return pair_players(state, deps)


class PlayPhase(Phase):
    """Both players of every pair choose an action at once, knowing their own history."""

    name = "play"
    node = "resolve_moves"
    requires = frozenset({"pairs"})
    produces = frozenset({"moves", "acts"})  # acts: what peer punishment needs
    observation = MoveObservation

    def actors(self, state: MatrixState, deps: Any) -> list[str]:
        return sorted(agent for pair in state["pairs"] for agent in pair)

    def context(self, state: MatrixState, agent: str, deps: Any) -> dict[str, Any]:
        return {"actions": deps.scenario.matrix.names}

    def resolve(self, state: MatrixState, deps: Any) -> dict[str, Any]:
        return resolve_moves(state, deps)

    def prompt_id(self, view: Any) -> str:
        return PROMPT

    def decision_type(self, view: Any, source: str) -> type[DecisionModel]:
        return Move

    def rule(self, request: DecisionRequest, rng: random.Random) -> DecisionModel:
        return rule_move(request.observation.model_dump(), rng)


class ClosePhase(Phase):
    """Closes the round: the totals, and the end of the run at its round limit."""

    name = "close"
    node = "close_round"
    turns = False
    requires = frozenset({"moves"})

    def resolve(self, state: MatrixState, deps: Any) -> dict[str, Any]:
        return close_round(state, deps)


PHASES: tuple[Phase, ...] = (PairPhase(), PlayPhase(), ClosePhase())
