"""Reputation beliefs: how likely an agent thinks a peer is to keep the norm (0..1)."""

from __future__ import annotations

PRIOR = 0.5  # no information yet [O]


def update_reputation(belief: float, complied: bool, weight: float) -> float:
    """Move the belief toward 1 (complied) or 0 (violated) by `weight` in [0, 1]. First-hand
    observation should weigh more than gossip."""
    if not 0.0 <= weight <= 1.0:
        raise ValueError(f"weight must be in [0, 1], got {weight}")
    target = 1.0 if complied else 0.0
    return belief + weight * (target - belief)
