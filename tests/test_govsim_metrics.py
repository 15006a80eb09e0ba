"""The commons metrics on GovSim trajectories give GovSim's values (docs/mechanics.md §6).

GovSim's analysis: survival time is the 1-based month in which the stock first falls below the
collapse level, or the number of months when it never does; survival rate is the share of runs
that never collapse; gain R_i = Σ_t h_i(t); efficiency 1 − max(0, T·f(0) − Σ_i R_i)/(T·f(0));
equality 1 − Σ_i Σ_j |R_i − R_j| / (2·N·Σ_i R_i); over-usage the share of harvests above f(t)/N.
The expected numbers below are worked out by hand from those formulas, not by our code.
"""

from __future__ import annotations

import pytest
from test_metrics import govsim_scenario, run_events

from society.games.commons.metrics import RunMetrics, compute_metrics

AGENTS = [f"a-{n}" for n in range(1, 6)]
MONTHS = 12
# T·f(0): twelve months of half the full lake (100 / 2 = 50 tons a month).
REFERENCE = MONTHS * 50


def month(*catches: float) -> dict[str, float]:
    return dict(zip(AGENTS, catches, strict=True))


def govsim_run(months: list[dict[str, float]], end_reason: str) -> RunMetrics:
    return compute_metrics(run_events(govsim_scenario(rounds=MONTHS), months, end_reason))


def collapse_in_month_one() -> RunMetrics:
    # Everyone takes 20 of 100: the lake is empty after the first harvest.
    return govsim_run([month(20, 20, 20, 20, 20)], "collapsed")


def collapse_in_the_last_month() -> RunMetrics:
    # Eleven months of unequal catches summing to f(t) = 50 (100 → 50 → doubles back to 100),
    # then everyone takes 20 in month 12 and the lake is empty.
    return govsim_run([month(14, 12, 10, 8, 6)] * 11 + [month(20, 20, 20, 20, 20)], "collapsed")


def never_collapses() -> RunMetrics:
    # 8 each (40 < 50): 100 → 60 → capped back at 100, every month.
    return govsim_run([month(8, 8, 8, 8, 8)] * MONTHS, "round_limit")


def test_collapse_in_month_one():
    m = collapse_in_month_one()
    assert m.survival_time == 1
    assert m.survived is False
    assert m.gain_per_agent == {agent: 20.0 for agent in AGENTS}
    assert m.gain_total == 100.0
    assert m.efficiency == pytest.approx(1 - (REFERENCE - 100) / REFERENCE)  # 1/6
    assert m.equality == pytest.approx(1.0)
    assert m.over_usage == pytest.approx(1.0)  # 20 > 50 / 5 for all five


def test_collapse_in_the_last_month():
    m = collapse_in_the_last_month()
    assert m.survival_time == MONTHS  # GovSim reads 12, not 11
    assert m.survived is False
    gains = [14 * 11 + 20, 12 * 11 + 20, 10 * 11 + 20, 8 * 11 + 20, 6 * 11 + 20]
    assert m.gain_per_agent == dict(zip(AGENTS, map(float, gains), strict=True))
    assert m.gain_total == 650.0
    assert m.efficiency == pytest.approx(1.0)  # the total exceeds T·f(0): no shortfall
    # Gains 174, 152, 130, 108, 86 are 22 apart: Σ_i<j |R_i − R_j| = 22·20 = 440.
    assert m.equality == pytest.approx(1 - 2 * 440 / (2 * 5 * 650))
    # Months 1–11: 14 and 12 exceed 10 (2 × 11); month 12: all five exceed 10.
    assert m.over_usage == pytest.approx((2 * 11 + 5) / (5 * MONTHS))


def test_never_collapses():
    m = never_collapses()
    assert m.survival_time == MONTHS
    assert m.survived is True
    assert m.gain_total == 8 * 5 * MONTHS
    assert m.efficiency == pytest.approx(1 - (REFERENCE - 480) / REFERENCE)  # 0.8
    assert m.equality == pytest.approx(1.0)
    assert m.over_usage == 0.0


def test_condition_means_as_govsim_reports_them():
    runs = [collapse_in_month_one(), collapse_in_the_last_month(), never_collapses()]
    assert sum(m.survival_time for m in runs) / len(runs) == pytest.approx((1 + 12 + 12) / 3)
    assert sum(m.survived for m in runs) / len(runs) == pytest.approx(1 / 3)
