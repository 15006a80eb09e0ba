"""Small statistics for seeded-run comparisons: means with t-based 95% confidence intervals."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from statistics import fmean, variance

Z975 = 1.959963984540054
# Two-sided 95% quantiles of Student's t for 1..30 degrees of freedom (standard tables).
T975_TABLE = (
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
    2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
    2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
)  # fmt: skip


def t975(df: float) -> float:
    """Two-sided 95% Student-t quantile: the table up to 30 df, a Cornish–Fisher expansion
    above (error below 0.001 there)."""
    if df < 1:
        return math.inf
    if df <= 30:
        return T975_TABLE[math.floor(df) - 1]
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


def paired_contrast(
    groups: Sequence[tuple[float, Mapping[int, float]]], transform: Callable[[float], float] = float
) -> Estimate:
    """A linear contrast computed within each seed, then averaged with a t interval over seeds.

    Arms run with the same seed share every random draw that does not depend on the arm
    (common random numbers), so differences within a seed cancel much of the run-to-run
    noise. `groups` maps seed -> value per arm; only seeds present in every arm count.
    `transform` applies to each value first (e.g. `math.log` for relative effects)."""
    seeds = sorted(set.intersection(*(set(values) for _, values in groups)))
    if not seeds:
        raise ValueError("no seed is shared by every group")
    per_seed = [sum(w * transform(values[seed]) for w, values in groups) for seed in seeds]
    return mean_ci(per_seed)
