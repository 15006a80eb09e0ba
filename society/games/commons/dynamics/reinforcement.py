"""Individual reinforcement learning: the Bush–Mosteller stochastic learning rule with an
aspiration level, as Macy & Flache (2002, "Learning dynamics in social dilemmas", PNAS 99
suppl. 3) use it for social dilemmas.

An agent compares what a round paid it, π, with its aspiration A. The stimulus
s = (π − A) / scale, clipped to [−1, 1], reinforces the action it took when positive and
inhibits it when negative:

    p ← p + (1 − p)·l·s   if s ≥ 0        p ← p + p·l·s   if s < 0

for the probability p of the action taken (the other action's probability is 1 − p), with
learning rate l. The aspiration habituates to experience: A ← (1 − h)·A + h·π. A continuous
habit (such as harvest effort) is pulled toward the level the reinforced choice implies by
l·|s| of the gap.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Lesson:
    """What one round taught: the stimulus and the aspiration after it."""

    stimulus: float
    aspiration: float


def stimulus(payoff: float, aspiration: float, scale: float) -> float:
    """s = (π − A) / scale clipped to [−1, 1]; with no scale left, only the sign counts."""
    gap = payoff - aspiration
    if scale <= 0.0:
        return 0.0 if gap == 0.0 else (1.0 if gap > 0.0 else -1.0)
    return max(-1.0, min(1.0, gap / scale))


def habituate(aspiration: float, payoff: float, habituation: float) -> float:
    """A ← (1 − h)·A + h·π."""
    return (1.0 - habituation) * aspiration + habituation * payoff


def lesson(payoff: float, aspiration: float, scale: float, habituation: float) -> Lesson:
    """The stimulus of a round paid `payoff` against `aspiration`, and the new aspiration."""
    return Lesson(
        stimulus=stimulus(payoff, aspiration, scale),
        aspiration=habituate(aspiration, payoff, habituation),
    )


def pull(value: float, target: float, s: float, rate: float) -> float:
    """A habit moved toward a target by the stimulus' strength: value + l·|s|·(target − value)."""
    return value + rate * abs(s) * (target - value)


def reinforce(probability: float, took_action: bool, s: float, rate: float) -> float:
    """The new probability of an action after a round with stimulus `s`: the action taken
    (`took_action`) or its alternative (probability 1 − p) is the one reinforced."""
    if not 0.0 <= probability <= 1.0:
        raise ValueError(f"a propensity must be in [0, 1], got {probability}")
    taken = probability if took_action else 1.0 - probability
    if s >= 0.0:
        taken += (1.0 - taken) * rate * s
    else:
        taken += taken * rate * s
    taken = min(1.0, max(0.0, taken))
    return taken if took_action else 1.0 - taken
