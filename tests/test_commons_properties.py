"""Property tests of the commons invariants (docs/mechanics.md §2).

Floating-point notes, checked before asserting:
- `resolve_effort` guarantees Σh ≤ R *exactly* (the scaled harvests are nudged down until they
  fit; before that fix the rounded products could add up to one ulp above R).
- Logistic regrowth min(K, R' + r·R'·(1 − R'/K)) is mathematically non-decreasing on the whole of
  [0, K] for every r ≥ 0: the uncapped curve peaks at K·(1 + r)/(2r), which is ≥ K when r ≤ 1,
  and when r > 1 it already reaches K at R' = K/r, before its peak, so the cap flattens the
  decreasing part. In floating point it can step down by one ulp between neighbouring stocks
  (e.g. R' = 103.43019082759795 → 103.43019082759797 with r ≈ 2.156, K = 300), so monotonicity
  is asserted up to a relative 1e-12.
"""

from __future__ import annotations

import itertools
import math

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from society.core.rng import derive_rng
from society.games.commons.dynamics import (
    collapsed,
    doubling,
    gini,
    logistic,
    regrow,
    resolve_amounts,
    resolve_effort,
    settle,
)
from society.scenario.schema import Commons

EXAMPLES = 100

agent_names = st.text(alphabet="abcdefghijklmnop", min_size=1, max_size=3)
stocks = st.floats(min_value=0.0, max_value=1e6, allow_nan=False, allow_infinity=False)
efforts = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)
productivities = st.floats(min_value=1e-3, max_value=1.0, allow_nan=False)
effort_maps = st.dictionaries(agent_names, efforts, max_size=40)
ask_maps = st.dictionaries(agent_names, st.integers(min_value=0, max_value=500), max_size=30)
capacities = st.floats(min_value=1.0, max_value=1e5, allow_nan=False, allow_infinity=False)
rates = st.floats(min_value=0.0, max_value=5.0, allow_nan=False)  # the schema's range for r
factors = st.floats(min_value=1.0, max_value=10.0, allow_nan=False)  # the schema's range
fractions = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)
seeds = st.integers(min_value=0, max_value=2**32)


# --- resolve_effort ---------------------------------------------------------------------------


@settings(max_examples=EXAMPLES)
@given(stock=stocks, efforts=effort_maps, productivity=productivities)
def test_effort_harvest_never_exceeds_stock(stock, efforts, productivity):
    outcome = resolve_effort(stock, efforts, productivity)
    assert outcome.total <= stock
    assert outcome.stock_after >= 0.0
    assert outcome.stock_after == stock - outcome.total
    assert set(outcome.harvested) == set(efforts) == set(outcome.requested)


@settings(max_examples=EXAMPLES)
@given(stock=stocks, efforts=effort_maps, productivity=productivities)
def test_effort_harvest_per_agent_within_request(stock, efforts, productivity):
    outcome = resolve_effort(stock, efforts, productivity)
    for agent, effort in efforts.items():
        assert outcome.requested[agent] == productivity * effort * stock
        assert 0.0 <= outcome.harvested[agent] <= outcome.requested[agent]


@settings(max_examples=EXAMPLES)
@given(stock=stocks, efforts=effort_maps, productivity=productivities)
def test_effort_rationing_only_when_demand_exceeds_stock(stock, efforts, productivity):
    outcome = resolve_effort(stock, efforts, productivity)
    demand = sum(outcome.requested.values())
    assert outcome.rationed == (demand > stock)
    if not outcome.rationed:
        assert outcome.harvested == outcome.requested
    else:
        # Everything is handed out (up to rounding) and every request is cut in the same ratio.
        assert outcome.total == pytest.approx(stock, rel=1e-12)
        ratio = stock / demand
        for agent, asked in outcome.requested.items():
            assert outcome.harvested[agent] == pytest.approx(asked * ratio, rel=1e-12, abs=1e-300)


@settings(max_examples=EXAMPLES)
@given(
    stock=st.floats(min_value=1e-6, max_value=1e6, allow_nan=False),
    productivity=productivities,
    extra=st.integers(min_value=1, max_value=30),
    effort=st.floats(min_value=0.5, max_value=1.0),
)
def test_effort_more_agents_than_one_over_productivity(stock, productivity, extra, effort):
    # N·α·e > 1 forces rationing: the harvests are scaled to the stock, never beyond it.
    count = math.floor(1.0 / (productivity * effort)) + extra
    assume(count <= 2_000)
    # When 1/(α·e) sits a hair below an integer, N·α·e exceeds 1 by an ulp only, and the float
    # sum of the requests can come out at or below the stock: no rationing is then correct.
    assume(count * productivity * effort > 1.0 + 1e-9)
    outcome = resolve_effort(stock, {f"a{i:04d}": effort for i in range(count)}, productivity)
    assert outcome.rationed
    assert outcome.total <= stock
    assert outcome.total == pytest.approx(stock, rel=1e-9)
    assert outcome.stock_after >= 0.0
    assert all(
        h <= r for h, r in zip(outcome.harvested.values(), outcome.requested.values(), strict=True)
    )


@settings(max_examples=50)
@given(stock=stocks, bad=st.one_of(st.floats(max_value=-1e-9), st.floats(min_value=1.000001)))
def test_effort_outside_unit_interval_is_rejected(stock, bad):
    assume(not math.isnan(bad))
    with pytest.raises(ValueError):
        resolve_effort(stock, {"a": 0.5, "b": bad}, 0.1)


# --- resolve_amounts (GovSim) -----------------------------------------------------------------


@settings(max_examples=EXAMPLES)
@given(
    stock=st.one_of(st.floats(min_value=0.0, max_value=1000.0), st.integers(0, 1000).map(float)),
    asks=ask_maps,
    seed=seeds,
)
def test_amounts_invariants(stock, asks, seed):
    outcome = resolve_amounts(stock, asks, derive_rng(seed, 1, "ration"))
    demand = sum(asks.values())
    assert set(outcome.harvested) == set(asks)
    assert outcome.total <= stock
    assert outcome.stock_after >= 0.0
    for agent, ask in asks.items():
        got = outcome.harvested[agent]
        assert float(got).is_integer(), "whole units only"
        assert 0 <= got <= ask
        assert outcome.requested[agent] == float(ask)
    # Integer demand exceeds a float stock exactly when it exceeds the stock's whole units.
    assert outcome.rationed == (demand > stock)
    if outcome.rationed:
        assert outcome.total == int(stock)
    else:
        assert outcome.harvested == outcome.requested


@settings(max_examples=EXAMPLES)
@given(asks=ask_maps, stock=st.floats(min_value=0.0, max_value=1000.0), seed=seeds)
def test_amounts_same_seed_same_allocation(asks, stock, seed):
    first = resolve_amounts(stock, asks, derive_rng(seed, 3, "ration"))
    second = resolve_amounts(stock, asks, derive_rng(seed, 3, "ration"))
    assert first == second
    # Insertion order of the asks does not matter either: agents are processed sorted.
    reversed_asks = dict(reversed(list(asks.items())))
    assert resolve_amounts(stock, reversed_asks, derive_rng(seed, 3, "ration")) == first


@settings(max_examples=30)
@given(seed=st.integers(min_value=0, max_value=10**6))
def test_amounts_different_seeds_generally_differ(seed):
    # A contested case with many possible allocations: 20 consecutive seeds giving one single
    # allocation would mean the seed is ignored (chance of that by luck is negligible).
    asks = {f"a{i}": 20 for i in range(5)}
    allocations = {
        tuple(resolve_amounts(50.0, asks, derive_rng(s, 1, "ration")).harvested.values())
        for s in range(seed, seed + 20)
    }
    assert len(allocations) > 1


@settings(max_examples=50)
@given(stock=st.floats(min_value=0.0, max_value=100.0), ask=st.integers(max_value=-1))
def test_negative_ask_is_rejected(stock, ask):
    with pytest.raises(ValueError):
        resolve_amounts(stock, {"a": 1, "b": ask}, derive_rng(0))


# --- derive_rng -------------------------------------------------------------------------------


@settings(max_examples=EXAMPLES)
@given(seed=seeds, purpose=st.lists(st.one_of(st.integers(0, 100), agent_names), max_size=3))
def test_derive_rng_is_reproducible_and_seed_sensitive(seed, purpose):
    draws = [derive_rng(seed, *purpose).random() for _ in range(2)]
    assert draws[0] == draws[1]
    assert derive_rng(seed + 1, *purpose).random() != draws[0]
    assert derive_rng(seed, *purpose, "other").random() != draws[0]


# --- regrowth ---------------------------------------------------------------------------------


@settings(max_examples=EXAMPLES)
@given(capacity=capacities, fraction=st.floats(min_value=0.0, max_value=2.0), rate=rates)
def test_logistic_stays_within_zero_and_capacity(capacity, fraction, rate):
    # Even from a stock above K (never reached in a run) the result is clamped into [0, K].
    grown = logistic(fraction * capacity, rate, capacity)
    assert 0.0 <= grown <= capacity


@settings(max_examples=EXAMPLES)
@given(capacity=capacities, fraction=fractions, rate=rates)
def test_logistic_never_shrinks_a_stock_below_capacity(capacity, fraction, rate):
    stock = min(capacity, fraction * capacity)
    assert stock <= logistic(stock, rate, capacity) <= capacity


@settings(max_examples=EXAMPLES)
@given(capacity=capacities, a=fractions, b=fractions, rate=rates)
def test_logistic_monotone_on_zero_to_capacity(capacity, a, b, rate):
    low, high = sorted((min(capacity, a * capacity), min(capacity, b * capacity)))
    assert logistic(low, rate, capacity) <= logistic(high, rate, capacity) * (1 + 1e-12)


@settings(max_examples=EXAMPLES)
@given(capacity=capacities, a=fractions, b=fractions, rate=st.floats(min_value=0.0, max_value=1.0))
def test_logistic_growth_increment_peaks_at_half_capacity(capacity, a, b, rate):
    # The regrowth g(R') = r·R'·(1 − R'/K) rises below K/2 and falls above it (this is why MSY
    # sits at K/2); with r ≤ 1 the cap never binds, so g = logistic(R') − R'.
    def increment(stock: float) -> float:
        return logistic(stock, rate, capacity) - stock

    low, high = sorted((a * capacity / 2, b * capacity / 2))
    tolerance = 1e-9 * capacity
    assert increment(low) <= increment(high) + tolerance
    assert increment(capacity - low) <= increment(capacity - high) + tolerance
    assert increment(low) <= rate * capacity / 4 + tolerance


@settings(max_examples=EXAMPLES)
@given(stock=st.floats(max_value=0.0, min_value=-1e6), rate=rates, capacity=capacities)
def test_logistic_of_empty_stock_stays_empty(stock, rate, capacity):
    assert logistic(stock, rate, capacity) == 0.0


@settings(max_examples=EXAMPLES)
@given(capacity=capacities, a=fractions, b=fractions, factor=factors)
def test_doubling_within_capacity_and_monotone(capacity, a, b, factor):
    low, high = sorted((a * capacity, b * capacity))
    grown_low, grown_high = doubling(low, factor, capacity), doubling(high, factor, capacity)
    assert 0.0 <= grown_low <= grown_high <= capacity
    assert grown_low >= low
    assert grown_low == min(capacity, factor * low)


@settings(max_examples=60)
@given(
    efforts=st.lists(st.lists(efforts, min_size=1, max_size=15), min_size=1, max_size=20),
    productivity=productivities,
    rate=rates,
    capacity=capacities,
)
def test_effort_trajectory_stays_in_bounds(efforts, productivity, rate, capacity):
    commons = Commons(
        capacity=capacity,
        productivity=productivity,
        regrowth={"kind": "logistic", "rate": rate},
    )
    stock = commons.start_stock
    for round_efforts in efforts:
        outcome = resolve_effort(
            stock, {f"a{i}": e for i, e in enumerate(round_efforts)}, productivity
        )
        assert 0.0 <= outcome.total <= stock
        stock = regrow(outcome.stock_after, commons)
        assert 0.0 <= stock <= capacity


@settings(max_examples=60)
@given(
    asks=st.lists(st.lists(st.integers(0, 100), min_size=1, max_size=8), min_size=1, max_size=12),
    seed=seeds,
    factor=factors,
)
def test_amount_trajectory_stays_in_bounds_and_is_reproducible(asks, seed, factor):
    commons = Commons(
        harvest="amount",
        capacity=100.0,
        exact_stock_visible=True,
        regrowth={"kind": "doubling", "factor": factor},
        collapse={"below": 5.0, "checked": "after_harvest"},
    )

    def run() -> list[tuple[dict[str, float], float]]:
        stock, trajectory = commons.start_stock, []
        for number, round_asks in enumerate(asks, start=1):
            rng = derive_rng(seed, number, "ration")
            outcome = resolve_amounts(stock, {f"a{i}": a for i, a in enumerate(round_asks)}, rng)
            assert 0.0 <= outcome.total <= stock
            stock = regrow(outcome.stock_after, commons)
            assert 0.0 <= stock <= commons.capacity
            trajectory.append((outcome.harvested, stock))
        return trajectory

    assert run() == run()


# --- gini -------------------------------------------------------------------------------------

gains = st.floats(min_value=0.0, max_value=1e6, allow_nan=False, allow_infinity=False)


def _gini_reference(values: list[float]) -> float:
    """Mean absolute difference over twice the mean: the O(n²) textbook definition."""
    n, total = len(values), sum(values)
    if n == 0 or total == 0:
        return 0.0
    return sum(abs(x - y) for x, y in itertools.product(values, repeat=2)) / (2 * n * total)


@settings(max_examples=EXAMPLES)
@given(values=st.lists(gains, max_size=40))
def test_gini_in_unit_interval_and_matches_definition(values):
    value = gini(values)
    assert 0.0 <= value < 1.0
    if values:
        assert value <= (len(values) - 1) / len(values) + 1e-12
    assert value == pytest.approx(_gini_reference(values), abs=1e-9)


@settings(max_examples=EXAMPLES)
@given(value=gains, count=st.integers(min_value=1, max_value=60))
def test_gini_of_equal_values_is_exactly_zero(value, count):
    assert gini([value] * count) == 0.0


@settings(max_examples=EXAMPLES)
@given(values=st.lists(gains, min_size=1, max_size=30), data=st.data())
def test_gini_ignores_order_and_scale(values, data):
    shuffled = data.draw(st.permutations(values))
    assert gini(shuffled) == gini(values)
    factor = data.draw(st.floats(min_value=1e-3, max_value=1e3))
    assert gini([v * factor for v in values]) == pytest.approx(gini(values), abs=1e-9)


@settings(max_examples=50)
@given(values=st.lists(gains, max_size=10), negative=st.floats(max_value=-1e-12, min_value=-1e6))
def test_gini_rejects_negative_values(values, negative):
    with pytest.raises(ValueError):
        gini([*values, negative])


# --- settle and collapse ----------------------------------------------------------------------

payoff_values = st.floats(min_value=-100.0, max_value=100.0, allow_nan=False)


@settings(max_examples=EXAMPLES)
@given(
    payoffs=st.dictionaries(agent_names, payoff_values, max_size=10),
    income=st.dictionaries(agent_names, st.floats(min_value=0.0, max_value=50.0), max_size=10),
    consumption=st.floats(min_value=0.0, max_value=10.0),
    starvation=st.booleans(),
)
def test_settle_adds_income_subtracts_consumption(payoffs, income, consumption, starvation):
    settlement = settle(payoffs, income, consumption, starvation)
    assert set(settlement.payoffs) == set(payoffs), "only listed (alive) agents are settled"
    for agent, before in payoffs.items():
        expected = before + income.get(agent, 0.0) - consumption
        assert settlement.payoffs[agent] == expected
        assert (agent in settlement.starved) == (starvation and expected < 0.0)


@settings(max_examples=EXAMPLES)
@given(
    stock=st.floats(min_value=0.0, max_value=200.0),
    below=st.floats(min_value=0.0, max_value=50.0),
    checked=st.sampled_from(["after_regrowth", "after_harvest"]),
    moment=st.sampled_from(["after_regrowth", "after_harvest"]),
)
def test_collapsed_only_at_configured_moment(stock, below, checked, moment):
    commons = Commons(collapse={"below": below, "checked": checked})
    assert collapsed(stock, commons, moment) == (moment == checked and stock < below)
