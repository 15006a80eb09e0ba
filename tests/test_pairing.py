"""Pairing schedules (society.core.pairing): the donor game's scheme and the generic ones."""

from __future__ import annotations

import itertools
import random
from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from society.core.pairing import (
    bipartite_round_robin,
    fixed_partners,
    random_matching,
    round_robin,
)

even_sizes = st.integers(min_value=1, max_value=20).map(lambda k: 2 * k)
sizes = st.integers(min_value=2, max_value=31)


def names(n: int) -> list[str]:
    return [f"1_{i + 1}" for i in range(n)]


def assert_rounds_well_formed(schedule: list[list[tuple[str, str]]]) -> None:
    for pairs in schedule:
        seated = [agent for pair in pairs for agent in pair]
        assert len(seated) == len(set(seated)), f"an agent appears twice in {pairs}"
        assert all(first != second for first, second in pairs)


@given(even_sizes)
def test_bipartite_each_agent_donates_and_receives_half_the_population(n: int) -> None:
    agents = names(n)
    schedule = bipartite_round_robin(agents)
    assert len(schedule) == n
    assert all(len(pairs) == n // 2 for pairs in schedule)
    assert_rounds_well_formed(schedule)
    donated = Counter(donor for pairs in schedule for donor, _ in pairs)
    received = Counter(recipient for pairs in schedule for _, recipient in pairs)
    assert donated == dict.fromkeys(agents, n // 2)
    assert received == dict.fromkeys(agents, n // 2)


@given(even_sizes)
def test_bipartite_pairs_each_a_with_each_b_once_in_each_direction(n: int) -> None:
    agents = names(n)
    half_a, half_b = set(agents[: n // 2]), set(agents[n // 2 :])
    ordered = Counter(pair for pairs in bipartite_round_robin(agents) for pair in pairs)
    expected = {(a, b) for a in half_a for b in half_b} | {(b, a) for a in half_a for b in half_b}
    assert set(ordered) == expected
    assert set(ordered.values()) == {1}


@given(even_sizes)
def test_bipartite_second_half_reverses_the_first(n: int) -> None:
    full = bipartite_round_robin(names(n))
    first = bipartite_round_robin(names(n), reverse_roles=False)
    assert full[: n // 2] == first
    assert full[n // 2 :] == [[(b, a) for a, b in pairs] for pairs in first]


def test_bipartite_matches_the_papers_table_for_twelve() -> None:
    # Rounds 1, 2 and 7 of V&H's bipartiteRoundRobin + extendRounds for agents 1..12.
    schedule = bipartite_round_robin([str(i) for i in range(1, 13)])
    assert schedule[0] == [
        ("1", "7"),
        ("2", "8"),
        ("3", "9"),
        ("4", "10"),
        ("5", "11"),
        ("6", "12"),
    ]
    assert schedule[1] == [
        ("12", "1"),
        ("7", "2"),
        ("8", "3"),
        ("9", "4"),
        ("10", "5"),
        ("11", "6"),
    ]
    assert schedule[6] == [
        ("7", "1"),
        ("8", "2"),
        ("9", "3"),
        ("10", "4"),
        ("11", "5"),
        ("12", "6"),
    ]


@pytest.mark.parametrize("agents", [names(3), names(11), names(1), []])
def test_bipartite_refuses_odd_or_tiny_populations(agents: list[str]) -> None:
    with pytest.raises(ValueError, match="bipartite_round_robin"):
        bipartite_round_robin(agents)


def test_duplicate_names_are_an_error() -> None:
    with pytest.raises(ValueError, match="distinct"):
        bipartite_round_robin(["a", "b", "a", "c"])


@given(sizes)
def test_round_robin_every_pair_exactly_once(n: int) -> None:
    agents = names(n)
    schedule = round_robin(agents)
    assert_rounds_well_formed(schedule)
    met = Counter(frozenset(pair) for pairs in schedule for pair in pairs)
    assert set(met) == {frozenset(p) for p in itertools.combinations(agents, 2)}
    assert set(met.values()) == {1}
    assert len(schedule) == (n - 1 if n % 2 == 0 else n)
    if n % 2:  # each agent sits out exactly one round
        absent = Counter(a for pairs in schedule for a in agents if all(a not in p for p in pairs))
        assert absent == dict.fromkeys(agents, 1)


@given(sizes)
def test_round_robin_balances_who_goes_first(n: int) -> None:
    first = Counter(a for pairs in round_robin(names(n)) for a, _ in pairs)
    games = n - 1
    assert all(abs(2 * first[a] - games) <= 2 for a in names(n)), first  # within one of half


@given(even_sizes, st.integers(0, 2**32))
def test_random_matching_is_a_perfect_matching_and_seeded(n: int, seed: int) -> None:
    agents = names(n)
    pairs = random_matching(agents, random.Random(seed))
    assert sorted(a for p in pairs for a in p) == sorted(agents)
    assert_rounds_well_formed([pairs])
    assert pairs == random_matching(agents, random.Random(seed))


def test_random_matching_varies_with_the_seed() -> None:
    agents = names(12)
    draws = {tuple(random_matching(agents, random.Random(seed))) for seed in range(20)}
    assert len(draws) > 1


def test_fixed_partners_are_neighbours() -> None:
    assert fixed_partners(["a", "b", "c", "d"]) == [("a", "b"), ("c", "d")]
    with pytest.raises(ValueError, match="even"):
        fixed_partners(["a", "b", "c"])
    with pytest.raises(ValueError, match="even"):
        random_matching(["a", "b", "c"], random.Random(0))
