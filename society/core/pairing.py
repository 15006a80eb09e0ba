"""Pairing schedules: who meets whom, round by round. Pure and stdlib only.

A schedule is a list of rounds; a round is a list of ordered pairs (first, second). In the
donor game the first is the donor and the second the recipient; a symmetric game (a
prisoner's dilemma) can ignore the order. Every function is deterministic given its inputs:
the caller shuffles the population first with a seeded `random.Random` if it wants random
seats (Vallinder & Hughes shuffle the population each generation before pairing).
"""

from __future__ import annotations

import random
from collections.abc import Sequence

Pair = tuple[str, str]
Round = list[Pair]
Schedule = list[Round]


def _checked(agents: Sequence[str], *, even: bool, what: str) -> list[str]:
    names = list(agents)
    if len(set(names)) != len(names):
        raise ValueError(f"{what}: agent names must be distinct (got {names})")
    if len(names) < 2:
        raise ValueError(f"{what}: needs at least 2 agents (got {len(names)})")
    if even and len(names) % 2:
        raise ValueError(
            f"{what}: needs an even number of agents (got {len(names)}); add or remove one agent"
        )
    return names


def bipartite_round_robin(agents: Sequence[str], *, reverse_roles: bool = True) -> Schedule:
    """Vallinder & Hughes' schedule (their `bipartiteRoundRobin` + `extendRounds`).

    The first half A stays seated while the second half B rotates one seat per round, for
    N/2 rounds, so every member of A meets every member of B once; the roles alternate from
    round to round (A donates in even-numbered rounds, B in odd ones). With `reverse_roles`
    the N/2 rounds are then repeated with every pair reversed, so over the N rounds each
    agent donates exactly N/2 times and receives exactly N/2 times (12 agents: 12 rounds,
    6 and 6). Without it only the first N/2 rounds are returned.
    """
    names = _checked(agents, even=True, what="bipartite_round_robin")
    half = len(names) // 2
    group_a, group_b = names[:half], names[half:]
    rounds: Schedule = []
    for i in range(half):
        rotated = group_b[half - i :] + group_b[: half - i]  # B shifted right by i seats
        pairs = zip(group_a, rotated, strict=True)
        if i % 2 == 0:
            rounds.append(list(pairs))
        else:
            rounds.append([(b, a) for a, b in pairs])
    if reverse_roles:
        rounds += [[(second, first) for first, second in pairs] for pairs in rounds]
    return rounds


def round_robin(agents: Sequence[str]) -> Schedule:
    """Every pair meets exactly once (the circle method).

    N agents: N−1 rounds of N/2 pairs when N is even; N rounds when N is odd, in which each
    agent sits out exactly one round (it is paired with nobody, so it is absent from it).
    Each agent is first in a pair in half its games, give or take one.
    """
    names = _checked(agents, even=False, what="round_robin")
    seats: list[str | None] = [*names, None] if len(names) % 2 else list(names)
    n = len(seats)
    rounds: Schedule = []
    for r in range(n - 1):
        pairs: Round = []
        for i in range(n // 2):
            first, second = seats[i], seats[n - 1 - i]
            if first is None or second is None:
                continue  # the bye: one agent sits this round out
            # The seated agent swaps sides every round; the others keep their table's side,
            # which moves them between sides as they rotate (each is first within ±1 of half).
            keep = r % 2 == 0 if i == 0 else i % 2 == 0
            pairs.append((first, second) if keep else (second, first))
        rounds.append(pairs)
        seats = [seats[0], seats[-1], *seats[1:-1]]  # seat 0 stays, the rest rotate
    return rounds


def random_matching(agents: Sequence[str], rng: random.Random) -> Round:
    """One round of pairs drawn uniformly at random (an even population; all are paired)."""
    names = _checked(agents, even=True, what="random_matching")
    order = rng.sample(names, len(names))
    return [(order[i], order[i + 1]) for i in range(0, len(order), 2)]


def fixed_partners(agents: Sequence[str]) -> Round:
    """Neighbours in the given order are partners for good: (a0, a1), (a2, a3), ..."""
    names = _checked(agents, even=True, what="fixed_partners")
    return [(names[i], names[i + 1]) for i in range(0, len(names), 2)]
