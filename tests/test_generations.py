"""Selection and inheritance across generations (society.core.generations)."""

from __future__ import annotations

import json
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from society.core.generations import (
    Generation,
    first_generation,
    newcomer_names,
    next_generation,
    select_survivors,
    survivor_count,
)

scores_maps = st.dictionaries(
    st.text(alphabet="abcdefgh", min_size=1, max_size=3),
    st.floats(min_value=-100, max_value=100, allow_nan=False),
    min_size=2,
    max_size=20,
)


def test_first_generation_is_named_like_the_paper() -> None:
    gen = first_generation(12)
    assert gen.members[:3] == ("1_1", "1_2", "1_3")
    assert gen.members[-1] == "1_12"
    assert gen.survivors == ()
    assert gen.newcomers == gen.members


@given(scores_maps, st.sampled_from([0.25, 0.5, 0.75, 1.0]), st.integers(0, 2**32))
def test_survivors_are_the_top_scores(scores: dict[str, float], fraction: float, seed: int) -> None:
    count = max(1, int(fraction * len(scores)))
    if fraction * len(scores) < 1:
        with pytest.raises(ValueError, match="keeps nobody"):
            select_survivors(scores, fraction, random.Random(seed))
        return
    survivors = select_survivors(scores, fraction, random.Random(seed))
    assert len(survivors) == count == survivor_count(len(scores), fraction)
    assert len(set(survivors)) == count
    worst_kept = min(scores[a] for a in survivors)
    assert all(scores[a] <= worst_kept for a in scores if a not in survivors)
    assert [scores[a] for a in survivors] == sorted((scores[a] for a in survivors), reverse=True)


def test_ties_are_broken_by_the_seed_not_the_mapping_order() -> None:
    scores = {f"1_{i}": 10.0 for i in range(1, 13)}
    reordered = dict(reversed(list(scores.items())))
    draws = {tuple(select_survivors(scores, 0.5, random.Random(seed))) for seed in range(10)}
    assert len(draws) > 1
    for seed in range(5):
        assert select_survivors(scores, 0.5, random.Random(seed)) == select_survivors(
            reordered, 0.5, random.Random(seed)
        )


def test_survivor_count_floors_with_float_slack() -> None:
    assert survivor_count(12, 0.5) == 6
    assert survivor_count(10, 0.3) == 3
    assert survivor_count(100, 0.29) == 29
    assert survivor_count(7, 0.5) == 3
    for bad in (0.0, -0.1, 1.5):
        with pytest.raises(ValueError, match="fraction"):
            survivor_count(12, bad)


def test_nan_scores_are_refused() -> None:
    with pytest.raises(ValueError, match="finite"):
        select_survivors({"a": float("nan"), "b": 1.0}, 0.5, random.Random(0))


def test_newcomer_names_and_clashes() -> None:
    assert newcomer_names(2, 3) == ["2_1", "2_2", "2_3"]
    assert newcomer_names(3, 2, first=5) == ["3_5", "3_6"]
    with pytest.raises(ValueError, match="in use"):
        newcomer_names(2, 2, taken=["2_2"])
    with pytest.raises(ValueError):
        newcomer_names(0, 2)


@given(st.integers(1, 10).map(lambda k: 2 * k), st.integers(0, 2**32))
def test_next_generation_keeps_size_and_passes_strategies(n: int, seed: int) -> None:
    rng = random.Random(seed)
    gen = first_generation(n)
    scores = {a: rng.uniform(0, 40) for a in gen.members}
    strategies = {a: f"strategy of {a}" for a in gen.members}
    succession = next_generation(gen, scores, strategies, fraction=0.5, rng=random.Random(seed))
    nxt = succession.generation
    assert nxt.number == 2
    assert len(nxt.members) == n and len(set(nxt.members)) == n
    assert nxt.members == nxt.survivors + nxt.newcomers
    assert set(nxt.survivors) <= set(gen.members)
    assert all(a.startswith("2_") for a in nxt.newcomers)
    assert set(succession.inheritance) == set(nxt.newcomers)
    for inherited in succession.inheritance.values():
        assert [item["agent"] for item in inherited] == list(nxt.survivors)
        assert all(item["strategy"] == strategies[item["agent"]] for item in inherited)
        assert all(item["score"] == scores[item["agent"]] for item in inherited)
    json.dumps(nxt.to_dict())
    json.dumps(succession.inheritance)
    assert Generation.from_dict(json.loads(json.dumps(nxt.to_dict()))) == nxt


def test_survivors_keep_their_names_over_generations() -> None:
    gen = first_generation(4)
    scores = {"1_1": 30.0, "1_2": 1.0, "1_3": 20.0, "1_4": 2.0}
    s1 = next_generation(
        gen, scores, dict.fromkeys(scores, "s"), fraction=0.5, rng=random.Random(1)
    )
    assert s1.generation.survivors == ("1_1", "1_3")
    assert s1.generation.newcomers == ("2_1", "2_2")
    scores2 = {"1_1": 0.0, "1_3": 5.0, "2_1": 9.0, "2_2": 1.0}
    s2 = next_generation(
        s1.generation, scores2, dict.fromkeys(scores2, "s"), fraction=0.5, rng=random.Random(1)
    )
    assert s2.generation.survivors == ("2_1", "1_3")
    assert s2.generation.newcomers == ("3_1", "3_2")


def test_next_generation_checks_its_inputs() -> None:
    gen = first_generation(4)
    scores = dict.fromkeys(gen.members, 1.0)
    with pytest.raises(ValueError, match="cover exactly"):
        next_generation(gen, {"1_1": 1.0}, {}, fraction=0.5, rng=random.Random(0))
    with pytest.raises(ValueError, match="no strategy"):
        next_generation(gen, scores, {}, fraction=0.5, rng=random.Random(0))


def test_inheritance_lists_are_independent_copies() -> None:
    gen = first_generation(4)
    scores = {a: float(i) for i, a in enumerate(gen.members)}
    succession = next_generation(
        gen, scores, dict.fromkeys(scores, "s"), fraction=0.5, rng=random.Random(0)
    )
    a, b = succession.generation.newcomers
    succession.inheritance[a][0]["strategy"] = "changed"
    assert succession.inheritance[b][0]["strategy"] == "s"
