"""A donor run's agents, its state at round 0, the start of each round and the run's end."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from society.core.ending import INTERRUPTED
from society.core.generations import born_in, possible_agents
from society.core.pairing import bipartite_round_robin
from society.core.rng import derive_rng
from society.games.donor.calendar import position
from society.games.donor.events import DonorRoundStarted, GenerationStarted, StrategyAdopted
from society.games.donor.scenario import DonorScenario
from society.games.donor.state import DonorAgent, DonorState, pairs_now


def seat_groups(scenario: DonorScenario) -> list[Any]:
    """The population group of each seat, seats 1..N in population order."""
    return [group for group in scenario.population for _ in range(group.count)]


def agents(scenario: DonorScenario) -> list[Any]:
    """Every agent that may play: the founders 1_1..1_N and, for each later generation, one
    possible newcomer per seat, with that seat's group (society.core.generations, seats)."""
    from society.coordinator.runner import AgentSpec

    groups = seat_groups(scenario)
    settings = scenario.donor
    return [
        AgentSpec(
            name,
            groups[seat - 1].name,
            groups[seat - 1].persona,
            scenario.model_for(groups[seat - 1]).name,
            joins_at=(generation - 1) * settings.rounds_per_generation + 1,
        )
        for name, seat, generation in possible_agents(len(groups), settings.generations)
    ]


def game_schedule(members: Sequence[str], repeats: int) -> list[list[list[str]]]:
    """One game's pairs: the bipartite round robin over the seats, `repeats` times."""
    rounds = bipartite_round_robin(members) * repeats
    return [[list(pair) for pair in pairs] for pairs in rounds]


def reversed_schedule(schedule: list[list[list[str]]]) -> list[list[list[str]]]:
    """The next game of a generation: the same rounds with every pair reversed [V&H]."""
    return [[[recipient, donor] for donor, recipient in pairs] for pairs in schedule]


def seated(members: Sequence[str], seed: int, round_number: int) -> list[str]:
    """The members in a seeded random seat order (V&H shuffle the population each generation)."""
    order = sorted(members)
    derive_rng(seed, round_number, "seats").shuffle(order)
    return order


def fresh_generation(
    scenario: DonorScenario, members: Sequence[str], after_round: int
) -> dict[str, Any]:
    """The state keys that start a generation: seats, endowments, an empty history and the
    first game's schedule (`after_round`: the round that closed the previous one, 0 at first)."""
    settings = scenario.donor
    order = seated(members, scenario.seed, after_round)
    return {
        "game": 1,
        "members": order,
        "resources": {agent: settings.endowment for agent in order},
        "history": [],
        "schedule": game_schedule(order, settings.schedule_repeats(len(order))),
        "game_finals": [],
    }


def initial_state(scenario: DonorScenario, specs: Sequence[Any]) -> DonorState:
    records = {
        spec.id: DonorAgent(
            group=spec.group,
            persona=spec.persona,
            joins_at=spec.joins_at,
            alive=born_in(spec.id) == 1,
            seat=int(spec.id.partition("_")[2]),
        )
        for spec in specs
    }
    founders = [agent for agent in records if born_in(agent) == 1]
    return DonorState(  # type: ignore[typeddict-item]
        round=0,
        agents=records,
        outcomes={},
        end_reason=None,
        generation=1,
        survivors=[],
        newcomers=sorted(founders, key=lambda a: records[a]["seat"]),
        inherited=[],
        strategies={},
        failed=[],
        **fresh_generation(scenario, founders, 0),
    )


def persona_rule(scenario: DonorScenario, persona: str) -> dict[str, Any]:
    """A rule founder's strategy: its persona's numbers, as a RuleStrategy (rules.py)."""
    from society.games.donor.decisions import RuleStrategy

    numbers = scenario.persona(persona).strategy.model_dump()
    return RuleStrategy(**numbers, rationale=f"persona {persona}").model_dump()


def start_round(state: DonorState, deps: Any) -> dict[str, Any]:
    """Number the round; at a generation's start announce it (newcomers join); at the run's
    start rule founders take their persona's numbers; then the round's pairs."""
    from society.transcript.events import AgentJoined

    scenario, writer = deps.scenario, deps.writer
    number = state["round"] + 1
    where = position(number, scenario.donor)
    update: dict[str, Any] = {"round": number, "failed": []}
    if where.starts_generation:
        writer.write(
            GenerationStarted(
                round=number,
                generation=where.generation,
                members=state["members"],
                survivors=state["survivors"],
                newcomers=state["newcomers"],
                endowment=scenario.donor.endowment,
            )
        )
        if where.generation > 1:
            for agent in state["newcomers"]:
                writer.write(
                    AgentJoined(round=number, agent=agent, group=state["agents"][agent]["group"])
                )
    if number == 1:
        strategies = dict(state["strategies"])
        for agent in state["newcomers"]:
            if deps.mind_sources[agent] != "rules":
                continue  # LLM founders write their own (the inherit phase) [V&H]
            rule = persona_rule(scenario, state["agents"][agent]["persona"])
            strategies[agent] = rule
            writer.write(
                StrategyAdopted(
                    round=number,
                    agent=agent,
                    generation=1,
                    origin="persona",
                    rule=rule,
                    rationale=f"persona {state['agents'][agent]['persona']}",
                )
            )
        update["strategies"] = strategies
    writer.write(
        DonorRoundStarted(
            round=number,
            generation=where.generation,
            game=where.game,
            game_round=where.game_round,
            pairs=pairs_now(state, where.game_round),
            resources=state["resources"],
        )
    )
    return update


def finish(state: DonorState, deps: Any) -> None:
    from society.transcript.events import RunFinished

    aborted = state["end_reason"] in INTERRUPTED
    where = position(state["round"], deps.scenario.donor)
    completed = where.generation - (0 if where.ends_generation and not aborted else 1)
    deps.writer.write(
        RunFinished(
            round=state["round"],
            rounds_completed=state["round"] - (1 if aborted else 0),
            end_reason=state["end_reason"] or "",
            generations_completed=completed,
        )
    )
