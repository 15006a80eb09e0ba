"""Exact numeric examples of the commons dynamics (docs/mechanics.md §2), worked out by hand."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from society.core import rng as randomness
from society.core.rng import derive_rng
from society.games.commons.dynamics import (
    EndReason,
    collapsed,
    doubling,
    end_reason,
    gini,
    logistic,
    maximum_sustainable_yield,
    regrow,
    resolve_amounts,
    resolve_effort,
    settle,
    stock_signal,
    sustainable_share,
    sustainable_threshold,
)
from society.scenario.schema import Commons


def paper_commons(rate: float = 0.6, **overrides) -> Commons:
    return Commons(regrowth={"kind": "logistic", "rate": rate}, **overrides)


def govsim_commons(**overrides) -> Commons:
    settings = {
        "harvest": "amount",
        "capacity": 100.0,
        "exact_stock_visible": True,
        "regrowth": {"kind": "doubling", "factor": 2.0},
        "collapse": {"below": 5.0, "checked": "after_harvest"},
    }
    return Commons(**{**settings, **overrides})


# --- regrowth ---------------------------------------------------------------------------------


def test_logistic_from_half_capacity():
    # R(t+1) = R' + r·R'·(1 − R'/K) = 150 + 0.6·150·(1 − 150/300) = 150 + 45 = 195.
    # (The task brief quoted 172.5, which is 150 + 0.6·150·0.25: not the formula of docs/mechanics.md.)
    assert logistic(150.0, 0.6, 300.0) == 195.0
    assert regrow(150.0, paper_commons()) == 195.0
    # Scarce commons: 150 + 0.2·150·0.5 = 165.
    assert logistic(150.0, 0.2, 300.0) == pytest.approx(165.0)


def test_logistic_other_points():
    assert logistic(300.0, 0.6, 300.0) == 300.0  # a full stock stays full
    assert logistic(0.0, 0.6, 300.0) == 0.0  # an empty stock never regrows
    assert logistic(-3.0, 0.6, 300.0) == 0.0
    assert logistic(100.0, 0.6, 300.0) == pytest.approx(100.0 + 0.6 * 100.0 * (2.0 / 3.0))  # 140
    assert logistic(150.0, 0.0, 300.0) == 150.0  # r = 0: no growth
    # A large r would overshoot K (150 + 4·150·0.5 = 450): capped at K.
    assert logistic(150.0, 4.0, 300.0) == 300.0


def test_doubling_examples():
    assert doubling(30.0, 2.0, 100.0) == 60.0
    assert doubling(70.0, 2.0, 100.0) == 100.0  # 140 capped at K
    assert doubling(50.0, 2.0, 100.0) == 100.0
    assert doubling(0.0, 2.0, 100.0) == 0.0
    commons = govsim_commons()
    assert regrow(30.0, commons) == 60.0
    assert regrow(70.0, commons) == 100.0


# --- sustainable references -------------------------------------------------------------------


def test_maximum_sustainable_yield():
    assert maximum_sustainable_yield(paper_commons(0.6)) == 45.0  # r·K/4 = 0.6·300/4
    assert maximum_sustainable_yield(paper_commons(0.2)) == pytest.approx(15.0)
    # Doubling: K/2, the most the group can take from a full stock and still see it restored.
    assert maximum_sustainable_yield(govsim_commons()) == 50.0


def test_msy_is_the_regrowth_at_half_capacity():
    # A stock held at K/2 regrows exactly MSY each round, and no other stock regrows more.
    commons = paper_commons(0.6)
    msy = maximum_sustainable_yield(commons)
    assert regrow(150.0, commons) - 150.0 == msy
    for stock in (50.0, 100.0, 149.0, 151.0, 200.0, 290.0):
        assert regrow(stock, commons) - stock < msy


def test_govsim_threshold_is_half_the_stock():
    commons = govsim_commons()
    assert sustainable_threshold(100.0, commons) == 50.0
    assert sustainable_threshold(80.0, commons) == 40.0
    assert sustainable_threshold(0.0, commons) == 0.0
    # After taking exactly f(t) = R/2, doubling restores the stock.
    for stock in (100.0, 80.0, 37.0):
        left = stock - sustainable_threshold(stock, commons)
        assert regrow(left, commons) == stock
    # With factor 3, f = R·(1 − 1/3).
    assert sustainable_threshold(
        90.0, govsim_commons(regrowth={"kind": "doubling", "factor": 3.0})
    ) == (pytest.approx(60.0))


def test_logistic_threshold_is_msy_whatever_the_stock():
    commons = paper_commons(0.6)
    for stock in (300.0, 150.0, 10.0):
        assert sustainable_threshold(stock, commons) == 45.0


def test_sustainable_share_per_agent():
    assert sustainable_share(300.0, paper_commons(0.6), 10) == 4.5
    assert sustainable_share(300.0, paper_commons(0.2), 10) == pytest.approx(1.5)
    assert sustainable_share(100.0, govsim_commons(), 5) == 10.0
    assert sustainable_share(100.0, govsim_commons(), 0) == 0.0


@pytest.mark.parametrize(
    ("stock", "capacity", "signal"),
    [
        (300.0, 300.0, "plentiful"),
        (225.0, 300.0, "plentiful"),  # exactly 0.75·K
        (224.99, 300.0, "moderate"),
        (120.0, 300.0, "moderate"),  # exactly 0.4·K
        (119.99, 300.0, "scarce"),
        (45.0, 300.0, "scarce"),  # exactly 0.15·K
        (44.99, 300.0, "critical"),
        (0.0, 300.0, "critical"),
        (75.0, 100.0, "plentiful"),
        (40.0, 100.0, "moderate"),
        (15.0, 100.0, "scarce"),
        (14.0, 100.0, "critical"),
    ],
)
def test_stock_signal_bands(stock, capacity, signal):
    assert stock_signal(stock, capacity) == signal


# --- harvest ----------------------------------------------------------------------------------


def test_effort_harvest_example():
    outcome = resolve_effort(300.0, {"b": 1.0, "a": 0.5, "c": 0.0}, 0.1)
    assert outcome.requested == {"a": 15.0, "b": 30.0, "c": 0.0}
    assert outcome.harvested == outcome.requested
    assert list(outcome.harvested) == ["a", "b", "c"]  # sorted by agent id
    assert not outcome.rationed
    assert outcome.total == 45.0
    assert outcome.stock_after == 255.0


def test_effort_harvest_rationed_when_more_than_one_over_alpha_agents():
    # 12 agents at full effort with α = 0.1 ask 12·10 = 120 of a stock of 100: each gets 100/12.
    outcome = resolve_effort(100.0, {f"a{i:02d}": 1.0 for i in range(12)}, 0.1)
    assert outcome.rationed
    assert all(asked == 10.0 for asked in outcome.requested.values())
    assert all(got == pytest.approx(100.0 / 12.0) for got in outcome.harvested.values())
    assert outcome.total <= 100.0
    assert outcome.stock_after == pytest.approx(0.0, abs=1e-12)


def test_effort_harvest_exactly_at_stock_is_not_rationed():
    # 10 agents at full effort with α = 0.1 ask exactly the stock: no rationing.
    outcome = resolve_effort(100.0, {f"a{i}": 1.0 for i in range(10)}, 0.1)
    assert not outcome.rationed
    assert outcome.total == 100.0
    assert outcome.stock_after == 0.0


def test_effort_harvest_with_no_agents():
    outcome = resolve_effort(50.0, {}, 0.1)
    assert outcome.total == 0.0
    assert outcome.stock_after == 50.0
    assert not outcome.rationed


def test_amounts_fit_are_granted_in_full():
    outcome = resolve_amounts(10.7, {"a": 4, "b": 4, "c": 2}, derive_rng(0, 1, "ration"))
    assert not outcome.rationed
    assert outcome.harvested == {"a": 4.0, "b": 4.0, "c": 2.0}
    assert outcome.stock_after == pytest.approx(0.7)


def test_amounts_rationed_hand_example():
    # Stock 10.7 holds 10 whole units; 3 agents ask 4 each (12 > 10.7). Ten units go out one at
    # a time to an agent still wanting more, so nobody gets more than 4 and the only possible
    # allocations are permutations of (4, 4, 2) and (4, 3, 3). 0.7 stays in the commons.
    asks = {"a": 4, "b": 4, "c": 4}
    outcome = resolve_amounts(10.7, asks, derive_rng(0, 1, "ration"))
    assert outcome.rationed
    assert outcome.requested == {"a": 4.0, "b": 4.0, "c": 4.0}
    assert sorted(outcome.harvested.values()) in ([2.0, 4.0, 4.0], [3.0, 3.0, 4.0])
    assert outcome.total == 10.0
    assert outcome.stock_after == pytest.approx(0.7)
    # Reproducible: the same seed and purpose give the same allocation...
    again = resolve_amounts(10.7, dict(reversed(asks.items())), derive_rng(0, 1, "ration"))
    assert again.harvested == outcome.harvested
    # ...pinned here so a change of the rationing draw order shows up as a failing test.
    assert outcome.harvested == {"a": 2.0, "b": 4.0, "c": 4.0}
    assert resolve_amounts(10.7, asks, derive_rng(2, 1, "ration")).harvested == {
        "a": 4.0,
        "b": 2.0,
        "c": 4.0,
    }


def test_amounts_rationing_skips_agents_that_ask_nothing():
    # Stock 10, asks 6 + 6 + 0 = 12 > 10: both askers get at least 4, the third gets nothing.
    outcome = resolve_amounts(10.0, {"a": 6, "b": 6, "c": 0}, derive_rng(42, 1, "ration"))
    assert outcome.rationed
    assert outcome.harvested["c"] == 0.0
    assert 4.0 <= outcome.harvested["a"] <= 6.0
    assert outcome.harvested["a"] + outcome.harvested["b"] == 10.0
    assert outcome.stock_after == 0.0


def test_amounts_demand_above_fractional_stock_hands_out_whole_units_only():
    # Demand 11 exceeds 10.5 (and its 10 whole units): exactly 10 units go out, 0.5 stays.
    outcome = resolve_amounts(10.5, {"a": 6, "b": 5}, derive_rng(1, 1, "ration"))
    assert outcome.rationed
    assert outcome.total == 10.0
    assert outcome.stock_after == 0.5
    # Demand 10 fits in 10.5.
    assert not resolve_amounts(10.5, {"a": 5, "b": 5}, derive_rng(1, 1, "ration")).rationed


def test_amounts_below_one_unit_hand_out_nothing():
    outcome = resolve_amounts(0.9, {"a": 1, "b": 3}, derive_rng(1, 1, "ration"))
    assert outcome.rationed
    assert outcome.harvested == {"a": 0.0, "b": 0.0}
    assert outcome.stock_after == 0.9


def test_derive_rng_is_stable_across_processes():
    # String seeds go through SHA-512, not the salted hash(): another interpreter with another
    # PYTHONHASHSEED draws the same numbers. The module file is loaded directly so the child
    # does not pay for importing the whole `society` package.
    expected = derive_rng(7, 3, "ration").random()
    code = (
        "import importlib.util, sys\n"
        f"spec = importlib.util.spec_from_file_location('randomness', {randomness.__file__!r})\n"
        "module = importlib.util.module_from_spec(spec)\n"
        "spec.loader.exec_module(module)\n"
        "print(repr(module.derive_rng(7, 3, 'ration').random()))\n"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert float(result.stdout.strip()) == expected


def test_derive_rng_purposes_are_independent():
    assert derive_rng(1, 1, "ration").random() != derive_rng(1, 2, "ration").random()
    assert derive_rng(1, 1, "ration").random() != derive_rng(2, 1, "ration").random()
    assert derive_rng(1, "a").random() != derive_rng(1, "b").random()


# --- payoffs ----------------------------------------------------------------------------------


def test_settle_consumption_and_starvation():
    settlement = settle(
        {"b": 0.5, "a": 5.0, "c": 1.0},
        {"a": 2.0, "b": 0.0},  # c harvested nothing and is not even listed
        consumption=1.0,
        starvation=True,
    )
    assert settlement.payoffs == {"a": 6.0, "b": -0.5, "c": 0.0}
    assert list(settlement.payoffs) == ["a", "b", "c"]
    assert settlement.starved == ["b"]  # π < 0 starves; π = 0 does not


def test_settle_without_starvation_nobody_dies():
    settlement = settle({"a": 0.0, "b": -4.0}, {}, consumption=1.0, starvation=False)
    assert settlement.payoffs == {"a": -1.0, "b": -5.0}
    assert settlement.starved == []


def test_settle_ignores_income_of_unlisted_agents():
    settlement = settle({"a": 1.0}, {"a": 1.0, "ghost": 9.0}, consumption=0.5, starvation=True)
    assert settlement.payoffs == {"a": 1.5}


# --- ending -----------------------------------------------------------------------------------


def _end(commons: Commons | None = None, **kwargs) -> EndReason | None:
    arguments = {
        "round_number": 3,
        "round_limit": 10,
        "stock_collapsed": False,
        "deaths": 0,
        "alive": 5,
        "commons": commons or paper_commons(),
    }
    return end_reason(**{**arguments, **kwargs})


def test_end_reason_order():
    # Collapse wins over a death and over the round limit.
    assert _end(stock_collapsed=True, deaths=1, alive=4, round_number=10) == EndReason.COLLAPSED
    # A death wins over the round limit.
    assert _end(deaths=1, alive=4, round_number=10) == EndReason.AGENT_DIED
    assert _end(deaths=1, alive=4) == EndReason.AGENT_DIED
    assert _end(round_number=10) == EndReason.ROUND_LIMIT
    assert _end(round_number=11) == EndReason.ROUND_LIMIT
    assert _end() is None
    # Nobody left: the run ends even when deaths alone would not end it.
    no_death_end = paper_commons(end_on_death=False)
    assert _end(no_death_end, deaths=5, alive=0) == EndReason.EVERYONE_DEAD
    assert _end(stock_collapsed=True, deaths=5, alive=0) == EndReason.COLLAPSED


def test_end_on_death_false_keeps_going():
    commons = paper_commons(end_on_death=False)
    assert _end(commons, deaths=2, alive=3) is None
    assert _end(commons, deaths=2, alive=3, round_number=10) == EndReason.ROUND_LIMIT
    assert _end(commons, deaths=2, alive=3, stock_collapsed=True) == EndReason.COLLAPSED


def test_collapsed_only_at_configured_moment():
    paper = paper_commons()  # below 1, after regrowth
    assert collapsed(0.5, paper, "after_regrowth")
    assert not collapsed(0.5, paper, "after_harvest")
    assert not collapsed(1.0, paper, "after_regrowth")  # strictly below
    govsim = govsim_commons()  # below 5, after harvest, before regrowth
    assert collapsed(4.9, govsim, "after_harvest")
    assert not collapsed(4.9, govsim, "after_regrowth")
    assert not collapsed(5.0, govsim, "after_harvest")


def test_govsim_collapse_is_checked_before_regrowth():
    # From 10, a harvest of 6 leaves 4 < 5: collapsed, even though doubling would give 8 ≥ 5.
    commons = govsim_commons(initial_stock=10.0)
    outcome = resolve_amounts(commons.start_stock, {"a": 3, "b": 3}, derive_rng(0, 1, "ration"))
    assert outcome.stock_after == 4.0
    assert collapsed(outcome.stock_after, commons, "after_harvest")
    assert not collapsed(regrow(outcome.stock_after, commons), commons, "after_harvest")


# --- gini -------------------------------------------------------------------------------------


def test_gini_examples():
    assert gini([]) == 0.0
    assert gini([0.0, 0.0]) == 0.0
    assert gini([1.0, 1.0, 1.0, 1.0]) == 0.0
    assert gini([0.1] * 17) == 0.0  # the textbook formula gives −2.2e-16 here
    assert gini([0.0, 0.0, 0.0, 1.0]) == 0.75  # (n − 1)/n: one agent has everything
    assert gini([1.0, 2.0, 3.0, 4.0]) == pytest.approx(0.25)  # Σ(2i−n−1)x/(nΣx) = 10/40
    assert gini([4.0, 1.0, 3.0, 2.0]) == gini([1.0, 2.0, 3.0, 4.0])
    with pytest.raises(ValueError):
        gini([1.0, -1.0])
