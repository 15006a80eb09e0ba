"""Generations: a population renewed by selection and inheritance. Pure and stdlib only.

After each generation the best-scoring fraction survive, keeping their names and strategies;
the others are replaced by newcomers, who each inherit the survivors' strategies (best first)
to write their own from. This is Vallinder & Hughes' cultural-evolution loop, kept generic:
a strategy is any JSON-like value (an LLM's text, a rule agent's numbers).
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

# fraction·N is floored; the slack keeps 0.3·10 = 3.0000000000000004 and 0.29·100 =
# 28.999999999999996 at the integer they mean.
_SLACK = 1e-9


@dataclass(frozen=True)
class Generation:
    """Who lives in generation `number` (1-based), and how they got there."""

    number: int
    members: tuple[str, ...]
    survivors: tuple[str, ...]  # carried over from the previous generation, best first
    newcomers: tuple[str, ...]  # born this generation

    def to_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "members": list(self.members),
            "survivors": list(self.survivors),
            "newcomers": list(self.newcomers),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Generation:
        return cls(
            number=int(data["number"]),
            members=tuple(data["members"]),
            survivors=tuple(data["survivors"]),
            newcomers=tuple(data["newcomers"]),
        )


@dataclass(frozen=True)
class Succession:
    """The next generation and what each newcomer inherits: the survivors' strategies, each
    as {"agent", "score", "strategy"}, best first (every newcomer gets the same list, as in
    V&H; a game may show only the strategies)."""

    generation: Generation
    inheritance: dict[str, list[dict[str, Any]]]


def survivor_count(population: int, fraction: float) -> int:
    """floor(fraction · population): 12 agents and 0.5 give 6 (V&H keep len // 2)."""
    if not 0.0 < fraction <= 1.0:
        raise ValueError(f"survivor fraction must be in (0, 1] (got {fraction})")
    count = math.floor(fraction * population + _SLACK)
    if count < 1:
        raise ValueError(
            f"a survivor fraction of {fraction} keeps nobody out of {population} agents"
        )
    return count


def select_survivors(scores: Mapping[str, float], fraction: float, rng: random.Random) -> list[str]:
    """The top `fraction` of agents by score, best first.

    Ties are broken at random by `rng`: the names are sorted (so the mapping's order does
    not matter), shuffled by `rng`, then stably sorted by score. V&H's code does the same
    in effect: it sorts a shuffled population with Python's stable sort.
    """
    for agent, score in scores.items():
        if not math.isfinite(score):
            raise ValueError(f"score of {agent!r} is not a finite number: {score}")
    order = sorted(scores)
    rng.shuffle(order)
    order.sort(key=lambda agent: scores[agent], reverse=True)
    return order[: survivor_count(len(order), fraction)]


def newcomer_names(
    generation: int, count: int, *, taken: Sequence[str] = (), first: int = 1
) -> list[str]:
    """Names "<generation>_<i>" for i = first, first+1, ...: V&H name agents this way, e.g.
    "1_3" is the third agent of generation 1; the newcomers of generation 2 are 2_1, 2_2..."""
    if generation < 1 or count < 0 or first < 1:
        raise ValueError(
            f"need generation ≥ 1, count ≥ 0 and first ≥ 1 (got {generation}, {count}, {first})"
        )
    names = [f"{generation}_{i}" for i in range(first, first + count)]
    clash = sorted(set(names) & set(taken))
    if clash:
        raise ValueError(f"newcomer names already in use: {', '.join(clash)}")
    return names


def first_generation(population: int) -> Generation:
    """Generation 1: everyone is a newcomer, named 1_1 .. 1_N."""
    members = tuple(newcomer_names(1, population))
    return Generation(number=1, members=members, survivors=(), newcomers=members)


def next_generation(
    current: Generation,
    scores: Mapping[str, float],
    strategies: Mapping[str, Any],
    *,
    fraction: float,
    rng: random.Random,
) -> Succession:
    """Select the survivors of `current` by `scores` and replace the rest by newcomers.

    The population size stays the same. Members are listed survivors first (best first),
    then newcomers; seat order for pairing is the caller's business (shuffle it, as V&H do).
    Resources are not handled here: a game decides what survivors keep (in V&H everyone,
    survivor or newcomer, starts each generation with the endowment).
    """
    if set(scores) != set(current.members):
        missing = sorted(set(current.members) - set(scores))
        extra = sorted(set(scores) - set(current.members))
        raise ValueError(
            f"scores must cover exactly the members (missing {missing}, extra {extra})"
        )
    survivors = select_survivors(scores, fraction, rng)
    unknown = [agent for agent in survivors if agent not in strategies]
    if unknown:
        raise ValueError(f"no strategy recorded for survivors: {', '.join(unknown)}")
    number = current.number + 1
    newcomers = newcomer_names(number, len(current.members) - len(survivors), taken=survivors)
    inherited = [
        {"agent": agent, "score": scores[agent], "strategy": strategies[agent]}
        for agent in survivors
    ]
    generation = Generation(
        number=number,
        members=(*survivors, *newcomers),
        survivors=tuple(survivors),
        newcomers=tuple(newcomers),
    )
    # Each newcomer gets its own copy, so a game that edits one cannot change another's.
    return Succession(
        generation, {agent: [dict(item) for item in inherited] for agent in newcomers}
    )


# --- seats: every agent of a run known up front -------------------------------------------
# A run that builds each agent's mind before it starts (as the runner does) must know every
# agent that may ever play. With seats, the population is N fixed seats; a newcomer takes the
# seat of the member it replaces, so it is named "<generation>_<seat>" and inherits the seat's
# population group (model and persona). The founders are 1_1 .. 1_N in seat order.


def seat_of(agent: str) -> int:
    """The seat of an agent named "<generation>_<seat>"."""
    generation, _, seat = agent.partition("_")
    if not (generation.isdigit() and seat.isdigit()):
        raise ValueError(f"{agent!r} is not a seat name '<generation>_<seat>'")
    return int(seat)


def born_in(agent: str) -> int:
    """The generation an agent named "<generation>_<seat>" was born in."""
    seat_of(agent)  # checks the name
    return int(agent.partition("_")[0])


def possible_agents(population: int, generations: int) -> list[tuple[str, int, int]]:
    """(name, seat, generation born) of every agent that may play in `generations` generations
    of `population` seats: the founders, then each later generation's possible newcomers (one
    per seat; at most population − survivors of them join)."""
    if population < 1 or generations < 1:
        raise ValueError(f"need population ≥ 1 and generations ≥ 1 (got {population}, {generations})")
    return [
        (f"{generation}_{seat}", seat, generation)
        for generation in range(1, generations + 1)
        for seat in range(1, population + 1)
    ]


def next_generation_in_seats(
    current: Generation,
    scores: Mapping[str, float],
    strategies: Mapping[str, Any],
    *,
    fraction: float,
    rng: random.Random,
) -> Succession:
    """`next_generation`, but each newcomer is named after the seat of the member it replaces
    ("<next generation>_<seat>"); newcomers are listed in seat order."""
    plain = next_generation(current, scores, strategies, fraction=fraction, rng=rng)
    survivors = plain.generation.survivors
    replaced = sorted(set(current.members) - set(survivors), key=seat_of)
    number = plain.generation.number
    newcomers = tuple(f"{number}_{seat_of(agent)}" for agent in replaced)
    inherited = next(iter(plain.inheritance.values()), [])
    generation = Generation(
        number=number,
        members=(*survivors, *newcomers),
        survivors=survivors,
        newcomers=newcomers,
    )
    return Succession(generation, {agent: [dict(item) for item in inherited] for agent in newcomers})
