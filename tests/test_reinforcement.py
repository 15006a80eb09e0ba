"""Bush–Mosteller learning with an aspiration (Macy & Flache 2002): the pure rule, and the
rule agents it drives: a larger fine deters more, costly monitoring is used less, altruists
keep the norm in force."""

from __future__ import annotations

import random
from typing import Any

import pytest

from society.games.commons.dynamics.reinforcement import habituate, lesson, reinforce, stimulus
from society.games.commons.institutions.social_learning import individual_lesson
from society.games.commons.observation import Observation

# What the game tells prompts (the view requires it since the `information:` section); rule
# learning reads none of it.
RULES = {
    "capacity": 100.0, "regrowth": "doubling", "factor": 2.0, "rate": None, "productivity": 1.0,
    "consumption": 0.0, "starvation": False, "dynamics": False, "payoff": "hidden", "goal": "none",
    "others_actions": False,
}  # fmt: skip
LEARNING = {"enabled": True, "greed": 0.0, "rate": 0.5, "habituation": 0.2, "stimulus_scale": 1.0}


def test_the_stimulus_is_the_payoff_gap_scaled_and_clipped() -> None:
    assert stimulus(5.0, 3.0, 4.0) == 0.5
    assert stimulus(-10.0, 3.0, 4.0) == -1.0 and stimulus(30.0, 3.0, 4.0) == 1.0
    assert stimulus(2.0, 3.0, 0.0) == -1.0 and stimulus(3.0, 3.0, 0.0) == 0.0
    assert habituate(10.0, 0.0, 0.25) == 7.5
    assert lesson(1.0, 3.0, 4.0, 0.5).aspiration == 2.0


def test_reinforcement_moves_the_action_taken_by_the_stimulus() -> None:
    # Satisfied: the action taken grows toward 1; dissatisfied: it shrinks toward 0.
    assert reinforce(0.4, True, 1.0, 0.5) == pytest.approx(0.7)
    assert reinforce(0.4, True, -1.0, 0.5) == pytest.approx(0.2)
    # The alternative was taken: its probability 1 − p is the one reinforced.
    assert reinforce(0.4, False, 1.0, 0.5) == pytest.approx(0.2)
    assert reinforce(0.4, False, -0.5, 0.5) == pytest.approx(0.55)
    assert reinforce(0.4, True, 0.0, 0.5) == 0.4
    rng = random.Random(3)
    for _ in range(500):
        p, s, rate = rng.random(), rng.uniform(-1, 1), rng.random()
        q = reinforce(p, rng.random() < 0.5, s, rate)
        assert 0.0 <= q <= 1.0
    with pytest.raises(ValueError, match="propensity"):
        reinforce(1.5, True, 0.1, 0.5)


def view(**news: Any) -> Observation:
    """A rule agent after a round in which it harvested 9 above the norm 3.6."""
    strategy = {
        "effort": 0.3, "monitor": 0.5, "punish": 0.5, "noise": 0.0, "norm": 3.6,
        "comply": 0.2, "aspiration": 8.0,
    }  # fmt: skip
    fine = news.pop("fine", 0.0)
    received = [{"by": "a1", "kind": "fine", "fine": fine, "exclusion_rounds": 0}] if fine else []
    recorded = {"round": 3, "harvest": 9.0, "norm_limit": 3.6, "sanctions_received": received}
    return Observation.model_validate(
        {
            "agent": "a0", "round": 3, "persona": "", "harvest_mode": "effort",
            "resource": {"name": "fish", "unit": "tons", "action": "fish"},
            "stock_signal": "high", "stock_trend": "steady", "exact_stock": None,
            "max_amount": None, "community_size": 10, "last_request": 9.0, "last_harvest": 9.0,
            "last_payoff_change": 8.0 - fine - news.pop("costs", 0.0), "payoff": 20.0,
            "norm_text": "", "norm_limit": 3.6, "strategy": strategy,
            "news": {**recorded, **news}, "rules": RULES,
        }
    )  # fmt: skip


def test_a_larger_fine_teaches_compliance_more() -> None:
    context = {"learning": LEARNING}
    comply = {
        fine: individual_lesson(view(fine=fine), context)[0]["comply"] for fine in (0, 1, 3, 6)
    }
    assert comply[0] == pytest.approx(0.2)  # paid as hoped: breaking the norm is not inhibited
    assert comply[0] < comply[1] < comply[3] < comply[6]


def test_costly_monitoring_is_used_less() -> None:
    context = {"learning": LEARNING, "could_inspect": True}
    inspected = {"target": "a2", "harvest": 3.0, "violated": False}
    free = individual_lesson(view(inspection=inspected), context)[0]["monitor"]
    costly = individual_lesson(view(inspection=inspected, costs=2.0, costs_paid=2.0), context)[0]
    assert free == pytest.approx(0.5) and costly["monitor"] < free
    punishing = {**context, "could_punish": True}
    after = individual_lesson(view(punished=["a2"], costs=1.0, fines_paid=1.0), punishing)[0]
    assert after["punish"] < 0.5
