"""Payoff-biased imitation: the Fermi rule."""

from __future__ import annotations

import math


def fermi_probability(own_payoff: float, peer_payoff: float, beta: float) -> float:
    """Probability of copying a peer: 1 / (1 + exp(−β·(π_peer − π_own))). Overflow-safe."""
    exponent = -beta * (peer_payoff - own_payoff)
    if exponent > 700:
        return 0.0
    if exponent < -700:
        return 1.0
    return 1.0 / (1.0 + math.exp(exponent))
