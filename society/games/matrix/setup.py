"""A matrix run's state at round 0, the start of each round and the run's end."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from society.core.ending import INTERRUPTED
from society.games.matrix.events import MatrixRoundStarted
from society.games.matrix.schedule import cycle, pairs_for_stage, sitting_out, stage_of
from society.games.matrix.state import MatrixAgent, MatrixState


def initial_state(scenario: Any, specs: Sequence[Any]) -> MatrixState:
    order = [spec.id for spec in specs]
    return MatrixState(  # type: ignore[typeddict-item]
        round=0,
        agents={
            spec.id: MatrixAgent(group=spec.group, persona=spec.persona, joins_at=1, alive=True)
            for spec in specs
        },
        outcomes={},
        end_reason=None,
        order=order,
        schedule=cycle(scenario.matrix.pairing.kind, order),
        stage=-1,
        scheduled=[],
        pairs=[],
        matches=[],
        relations={agent: {} for agent in order},
        recent={agent: [] for agent in order},
        totals={agent: 0.0 for agent in order},
        played={agent: 0 for agent in order},
        failed=[],
        sanctioned={},
        reputation={},
        inclination=initial_inclinations(scenario, specs),
    )


def initial_inclinations(scenario: Any, specs: Sequence[Any]) -> dict[str, float]:
    """Each adaptive rule player's starting chance of cooperating (its strategy's `initial`)."""
    found: dict[str, float] = {}
    for spec in specs:
        if spec.model != "rules":
            continue
        strategy = scenario.persona(spec.persona).strategy
        if strategy is not None and strategy.kind == "adaptive":
            found[spec.id] = strategy.initial
    return found


def start_round(state: MatrixState, deps: Any) -> dict[str, Any]:
    return {"round": state["round"] + 1, "failed": [], "matches": [], "sanctioned": {}}


def pair_players(state: MatrixState, deps: Any) -> dict[str, Any]:
    """The round's pairs from the schedule (the `pair` phase: the one place pairs are made;
    partner choice, after it, may only drop or re-form them)."""
    scenario = deps.scenario
    pairing = scenario.matrix.pairing
    number = state["round"]
    stage = stage_of(number, pairing.match_rounds)
    pairs = state["scheduled"]
    if stage != state["stage"]:
        pairs = pairs_for_stage(
            pairing.kind, state["schedule"], state["order"], stage, scenario.seed
        )
    deps.writer.write(
        MatrixRoundStarted(
            round=number,
            stage=stage,
            pairs=[(row, column) for row, column in pairs],
            sitting_out=sitting_out(state["order"], pairs),
        )
    )
    return {"stage": stage, "scheduled": pairs, "pairs": pairs}


def finish(state: MatrixState, deps: Any) -> None:
    from society.transcript.events import RunFinished

    aborted = state["end_reason"] in INTERRUPTED
    deps.writer.write(
        RunFinished(
            round=state["round"],
            rounds_completed=state["round"] - (1 if aborted else 0),
            end_reason=state["end_reason"] or "",
        )
    )
