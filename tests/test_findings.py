"""The human findings with rule agents, on a small sample (the full table: `society findings`)."""

from __future__ import annotations

from society.analysis.findings import run_findings, summarise
from society.analysis.stats import contrast, mean_ci, t975


def test_statistics_helpers() -> None:
    assert abs(t975(10) - 2.228) < 0.002 and abs(t975(30) - 2.042) < 0.002 and t975(2) == 4.303
    estimate = mean_ci([1.0, 2.0, 3.0])
    assert estimate.mean == 2.0 and abs(estimate.high - 2.0 - 4.303 / 3**0.5) < 1e-9
    difference = contrast([(1, [5.0, 6.0, 7.0]), (-1, [1.0, 2.0, 3.0])])
    assert difference.mean == 4.0 and difference.low < 4.0 < difference.high


def test_directions_of_the_human_findings() -> None:
    rounds = 50
    findings = summarise(run_findings(runs=3, rounds=rounds, workers=2), rounds)
    # 1. Without governance most populations collapse well before the limit.
    assert findings.collapsed_share["no_governance"] >= 0.5
    assert findings.by_arm["no_governance"].mean < 0.8 * rounds
    # 2. Monitoring with costly punishment clearly lengthens survival.
    assert findings.governance_effect.mean > 5
    # 3. Stronger payoff-biased imitation shortens survival, rich and scarce.
    assert findings.beta_effect_rich.mean < 0
    assert findings.beta_effect_scarce.mean < 0
