"""Small statistics for seeded-run comparisons: means with t-based 95% confidence intervals."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import fmean, variance

Z975 = 1.959963984540054
T975_SMALL = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776}


def t975(df: float) -> float:
    """Two-sided 95% Student-t quantile; exact table below 5 df, Cornish–Fisher above
    (error below 0.002 for df ≥ 5)."""
    if df < 1:
        return math.inf
    if df < 5:
        return T975_SMALL[math.floor(df)]
    z = Z975
    return z + (z**3 + z) / (4 * df) + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * df**2)


@dataclass(frozen=True)
class Estimate:
    mean: float
    low: float
    high: float
    n: int

    def __str__(self) -> str:
        return f"{self.mean:.2f} [{self.low:.2f}, {self.high:.2f}]"


def mean_ci(values: Sequence[float]) -> Estimate:
    n = len(values)
    if n == 0:
        raise ValueError("no values")
    mean = fmean(values)
    if n == 1:
        return Estimate(mean, -math.inf, math.inf, 1)
    half = t975(n - 1) * math.sqrt(variance(values) / n)
    return Estimate(mean, mean - half, mean + half, n)


def contrast(groups: Sequence[tuple[float, Sequence[float]]]) -> Estimate:
    """A linear contrast Σ wᵢ·meanᵢ with a Welch-style interval (df: smallest group − 1,
    conservative). E.g. a difference: [(1, a), (−1, b)]; an interaction: four groups."""
    mean = sum(w * fmean(v) for w, v in groups)
    se = math.sqrt(sum(w * w * (variance(v) if len(v) > 1 else 0.0) / len(v) for w, v in groups))
    df = min(len(v) for _, v in groups) - 1
    half = t975(df) * se
    return Estimate(mean, mean - half, mean + half, min(len(v) for _, v in groups))
