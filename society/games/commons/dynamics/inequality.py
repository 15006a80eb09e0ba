"""Inequality measures."""

from __future__ import annotations

from collections.abc import Sequence


def gini(values: Sequence[float]) -> float:
    """Gini coefficient of non-negative values, in [0, 1): 0 is perfect equality.
    0 for no values or all-zero values."""
    if any(v < 0 for v in values):
        raise ValueError("gini needs non-negative values")
    ordered = sorted(values)  # summed in sorted order too, so the result ignores input order
    n = len(ordered)
    total = sum(ordered)
    if n == 0 or total == 0:
        return 0.0
    # Σ_i (2i − n − 1)·x_(i) / (n·Σx), with the i-th smallest and i-th largest paired up so every
    # term is a non-negative difference: equal values give exactly 0 and rounding can never make
    # the result negative (the textbook 2·Σ i·x_(i)/(n·Σx) − (n+1)/n gives ±2e-16 for equal values).
    spread = sum((n + 1 - 2 * k) * (ordered[n - k] - ordered[k - 1]) for k in range(1, n // 2 + 1))
    return spread / (n * total)
