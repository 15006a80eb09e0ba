"""The closing step of a round: a finished game's results, a finished generation's
selection (society.core.generations) and the next generation's seats, and the run's end."""

from __future__ import annotations

from typing import Any

from society.core.ending import INTERRUPTED
from society.core.generations import Generation, next_generation_in_seats
from society.core.rng import derive_rng
from society.games.donor.calendar import Position, position
from society.games.donor.events import DonorRoundFinished, GameEnded, GenerationEnded
from society.games.donor.setup import fresh_generation, reversed_schedule
from society.games.donor.state import DonorState

ROUND_LIMIT = "round_limit"  # the scenario's rounds played (normally: every generation)


def mean(values: Any) -> float:
    values = list(values)
    return sum(values) / len(values)


def close_round(state: DonorState, deps: Any) -> dict[str, Any]:
    if state["end_reason"] in INTERRUPTED:
        return {}  # the round is cut short: its partial results are discarded
    scenario, writer = deps.scenario, deps.writer
    number = state["round"]
    where = position(number, scenario.donor)
    end = ROUND_LIMIT if number == scenario.rounds else None
    writer.write(
        DonorRoundFinished(
            round=number,
            generation=where.generation,
            game=where.game,
            game_round=where.game_round,
            resources=state["resources"],
            failed=state["failed"],
            end_reason=end,
        )
    )
    update: dict[str, Any] = {"end_reason": end}
    if not where.ends_game:
        return update
    finals = dict(state["resources"])
    writer.write(
        GameEnded(
            round=number,
            generation=where.generation,
            game=where.game,
            final_resources=finals,
            mean_final_resources=mean(finals.values()),
        )
    )
    game_finals = [*state["game_finals"], finals]
    if not where.ends_generation:
        # The generation's next game: endowments again, traces afresh, pairs reversed [V&H].
        return {
            **update,
            "game": where.game + 1,
            "resources": {agent: scenario.donor.endowment for agent in state["members"]},
            "history": [],
            "schedule": reversed_schedule(state["schedule"]),
            "game_finals": game_finals,
        }
    return {**update, **end_generation(state, deps, where, game_finals)}


def end_generation(
    state: DonorState, deps: Any, where: Position, game_finals: list[dict[str, float]]
) -> dict[str, Any]:
    """Rank by the last game's final resources [V&H]; the top fraction survive, newcomers
    take the others' seats, and the next generation starts (unless this was the last)."""
    scenario, number = deps.scenario, state["round"]
    scores = game_finals[-1]
    members = state["members"]
    strategies = {agent: state["strategies"].get(agent) for agent in members}
    succession = None
    if not where.ends_run:
        current = Generation(
            number=where.generation,
            members=tuple(members),
            survivors=tuple(state["survivors"]),
            newcomers=tuple(state["newcomers"]),
        )
        succession = next_generation_in_seats(
            current,
            scores,
            strategies,
            fraction=scenario.donor.survivor_fraction,
            rng=derive_rng(scenario.seed, number, "selection"),
        )
    deps.writer.write(
        GenerationEnded(
            round=number,
            generation=where.generation,
            scores=scores,
            mean_final_resources=mean(mean(f.values()) for f in game_finals),
            game_means=[mean(f.values()) for f in game_finals],
            survivors=list(succession.generation.survivors) if succession else [],
            strategies=strategies,
        )
    )
    if succession is None:
        return {"game_finals": game_finals}
    following = succession.generation
    agents = {agent: dict(record) for agent, record in state["agents"].items()}
    for agent in members:
        agents[agent]["alive"] = agent in following.survivors
    for agent in following.newcomers:
        agents[agent]["alive"] = True
    inherited = next(iter(succession.inheritance.values()), [])
    return {
        "agents": agents,
        "generation": following.number,
        "survivors": list(following.survivors),
        "newcomers": list(following.newcomers),
        "inherited": inherited,
        **fresh_generation(scenario, following.members, number),
    }
