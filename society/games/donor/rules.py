"""Rule-based donors: the donor game with no model behind the agents (the offline default).

Every rule is a pure function of (view, rng) and returns a decision; the view is the dict a
phase builds (views.py), and its "rule" entry holds the agent's numbers (a RuleStrategy as a
dict). How the rules respond to what a user can vary — all [O], our own choices:

- gain g: a donation turns each unit into g for the recipient, so the net surplus per unit is
  g − 1. Donors scale their generosity by it: fraction × (g − 1), capped at 1; at the paper's
  g = 2 this is the persona's fraction, and at g ≤ 1 giving creates nothing, so nobody gives.
- punishment loss L (costly_punishment only): punishment removes L per unit spent, so a
  reciprocator punishes a defector with probability punish_probability × L / 2 (capped at 1;
  the persona's number at the paper's L = 2, never at L = 0). A fixed donor, knowing
  defectors may be punished, gives at least threshold × min(1, L / 2) to stay clear of it.
- variant: in costly_punishment reciprocators may punish defectors (else they mirror them);
  in partner_choice they refuse known defectors, and fixed donors give at least
  threshold × min(1, g − 1), since a refusal costs them the g-fold return they forgo.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from typing import Any

from society.games.donor.decisions import Donation, RuleStrategy

# Standard deviation of the noise a newcomer adds to each copied number. [O]
INHERITANCE_NOISE = 0.05


def generosity(fraction: float, gain: float) -> float:
    """The share given to a cooperator or a stranger at this gain (see the module docstring)."""
    return min(1.0, max(0.0, fraction * (gain - 1.0)))


def act_value(entry: Mapping[str, Any]) -> float:
    """How cooperative one traced act was: the share donated; punishing or refusing gives 0."""
    return float(entry["fraction"]) if entry["action"] == "donate" else 0.0


def standing(trace: Sequence[Mapping[str, Any]], threshold: float) -> float | None:
    """How the recipient looks from its trace: None with no trace, else the share it last
    gave. Withholding from a partner who was itself a defector is justified (the second link
    of the trace is read for that), so it counts as cooperative: the threshold is returned."""
    if not trace:
        return None
    value = act_value(trace[0])
    if value < threshold and len(trace) > 1 and act_value(trace[1]) < threshold:
        return threshold
    return value


def fixed_donation(view: Mapping[str, Any], rng: random.Random) -> Donation:
    """Gives the same share to everyone, whatever the recipient did."""
    rule, gain = view["rule"], float(view["gain"])
    share = generosity(rule["fraction"], gain)
    why = f"I always give {share:.0%} at gain {gain:g}"
    if view["variant"] == "costly_punishment":
        floor = rule["threshold"] * min(1.0, float(view["punishment_loss"]) / 2.0)
        if floor > share:
            share, why = (
                floor,
                f"I give {floor:.0%} so as not to look like a defector who gets punished",
            )
    elif view["variant"] == "partner_choice":
        floor = rule["threshold"] * min(1.0, max(0.0, gain - 1.0))
        if floor > share:
            share, why = floor, f"I give {floor:.0%} so as not to be refused by others"
    return Donation(action="donate", fraction=share, rationale=why)


def reciprocal_donation(view: Mapping[str, Any], rng: random.Random) -> Donation:
    """Gives its usual share to strangers and cooperators, less to defectors (in proportion
    to what they gave); may punish them (costly_punishment) or refuses them (partner_choice)."""
    rule, gain = view["rule"], float(view["gain"])
    recipient = view["recipient"]
    share = generosity(rule["fraction"], gain)
    seen = standing(recipient["trace"], rule["threshold"])
    if seen is None:
        return Donation(
            action="donate", fraction=share, rationale="no record yet: I give my usual share"
        )
    if seen >= rule["threshold"]:
        return Donation(
            action="donate",
            fraction=share,
            rationale=f"{recipient['name']} gave {seen:.0%}: a cooperator",
        )
    if view["variant"] == "partner_choice":
        return Donation(
            action="refuse",
            fraction=0.0,
            rationale=f"{recipient['name']} gave only {seen:.0%}: I refuse",
        )
    if view["variant"] == "costly_punishment":
        loss = float(view["punishment_loss"])
        chance = min(1.0, rule["punish_probability"] * loss / 2.0)
        # Draw even when the chance is 0 or 1: the number of draws depends only on the situation.
        if rng.random() < chance and recipient["resources"] > 0:
            return Donation(
                action="punish",
                fraction=rule["punish_fraction"],
                rationale=f"{recipient['name']} gave only {seen:.0%}: I punish (each unit takes {loss:g})",
            )
    mirrored = share * seen / rule["threshold"] if rule["threshold"] > 0 else share
    return Donation(
        action="donate",
        fraction=mirrored,
        rationale=f"{recipient['name']} gave only {seen:.0%}: I give less",
    )


RULES = {"fixed": fixed_donation, "reciprocator": reciprocal_donation}


def rule_donation(view: Mapping[str, Any], rng: random.Random) -> Donation:
    kind = view["rule"]["kind"]
    if kind not in RULES:
        raise ValueError(f"no donor rule of kind {kind!r}; one of: {', '.join(RULES)}")
    return RULES[kind](view, rng)


def inherit_rule_strategy(view: Mapping[str, Any], rng: random.Random) -> RuleStrategy:
    """A rule newcomer's strategy: it copies a survivor chosen uniformly at random (all
    survivors did well enough to survive) and adds Gaussian noise of sd INHERITANCE_NOISE to
    each number, clamped to [0, 1]; this mutation is what lets rule populations evolve. [O]
    `view["inherited"]` is the list from society.core.generations (agent, score, strategy),
    each strategy a RuleStrategy as a dict."""
    inherited = view["inherited"]
    if not inherited:
        raise ValueError(f"{view['agent']} has no survivor strategy to inherit")
    parent = inherited[rng.randrange(len(inherited))]
    numbers = RuleStrategy.model_validate(parent["strategy"])

    def mutate(value: float) -> float:
        return min(1.0, max(0.0, value + rng.gauss(0.0, INHERITANCE_NOISE)))

    return RuleStrategy(
        kind=numbers.kind,
        fraction=mutate(numbers.fraction),
        threshold=mutate(numbers.threshold),
        punish_probability=mutate(numbers.punish_probability),
        punish_fraction=mutate(numbers.punish_fraction),
        copied_from=parent["agent"],
        rationale=f"copied {parent['agent']} (score {parent['score']:g}) with small changes",
    )
