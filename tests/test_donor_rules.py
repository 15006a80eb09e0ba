"""Rule donors (society.games.donor.rules) and the donor decisions they return."""

from __future__ import annotations

import random
from typing import Any

import pytest
from pydantic import ValidationError

from society.games.donor.decisions import Donation, RuleStrategy, StrategyText
from society.games.donor.rules import inherit_rule_strategy, rule_donation, standing

RECIPROCATOR = RuleStrategy(
    kind="reciprocator",
    fraction=0.5,
    threshold=0.3,
    punish_probability=0.5,
    punish_fraction=0.1,
    rationale="persona",
).model_dump()
FIXED = {**RECIPROCATOR, "kind": "fixed", "fraction": 0.1}


def act(fraction: float, action: str = "donate", donor: str = "R", recipient: str = "X") -> dict:
    return {
        "round": 1,
        "donor": donor,
        "recipient": recipient,
        "action": action,
        "fraction": fraction,
        "given": 0.0,
        "punished": 0.0,
        "cost": 0.0,
    }


COOPERATOR = [act(0.6)]
DEFECTOR = [act(0.05)]


def view(
    rule: dict, trace: list[dict], *, variant: str = "none", gain: float = 2.0, loss: float = 2.0
) -> dict[str, Any]:
    return {
        "agent": "1_1",
        "generation": 1,
        "round": 3,
        "resources": 10.0,
        "recipient": {"name": "R", "resources": 10.0, "trace": trace},
        "variant": variant,
        "actions": [],
        "gain": gain,
        "punishment_loss": loss,
        "rule": rule,
        "strategy": None,
    }


def decide(v: dict, seed: int = 0) -> Donation:
    decision = rule_donation(v, random.Random(seed))
    # Rule decisions must pass the validators a model's reply passes.
    return Donation.model_validate(decision.model_dump(), context={"variant": v["variant"]})


@pytest.mark.parametrize("variant", ["none", "costly_punishment", "partner_choice"])
def test_reciprocators_give_less_to_defectors(variant: str) -> None:
    for seed in range(30):
        to_cooperator = decide(view(RECIPROCATOR, COOPERATOR, variant=variant), seed)
        to_defector = decide(view(RECIPROCATOR, DEFECTOR, variant=variant), seed)
        given = to_defector.fraction if to_defector.action == "donate" else 0.0
        assert to_cooperator.action == "donate"
        assert given < to_cooperator.fraction


def test_partner_choice_refuses_defectors_and_punishment_punishes_some() -> None:
    assert decide(view(RECIPROCATOR, DEFECTOR, variant="partner_choice")).action == "refuse"
    actions = {
        decide(view(RECIPROCATOR, DEFECTOR, variant="costly_punishment"), s).action
        for s in range(50)
    }
    assert actions == {"donate", "punish"}
    assert all(decide(view(RECIPROCATOR, DEFECTOR), s).action == "donate" for s in range(20))


def test_justified_defection_counts_as_cooperation() -> None:
    # R withheld from X, but X had itself given nothing before: R is not a defector.
    trace = [act(0.0), act(0.0, donor="X", recipient="Y")]
    assert standing(trace, 0.3) == 0.3
    assert decide(view(RECIPROCATOR, trace, variant="partner_choice")).action == "donate"
    assert standing([], 0.3) is None


@pytest.mark.parametrize("rule", [RECIPROCATOR, FIXED])
def test_giving_rises_with_the_gain(rule: dict) -> None:
    shares = [decide(view(rule, COOPERATOR, gain=g)).fraction for g in (1.0, 1.5, 2.0, 3.0)]
    assert shares == sorted(shares) and shares[0] == 0.0 and shares[-1] > shares[0]


def punish_rate(loss: float) -> float:
    decisions = [
        decide(view(RECIPROCATOR, DEFECTOR, variant="costly_punishment", loss=loss), s)
        for s in range(400)
    ]
    return sum(d.action == "punish" for d in decisions) / len(decisions)


def test_punishment_rises_with_the_punishment_loss() -> None:
    rates = [punish_rate(loss) for loss in (0.0, 1.0, 2.0, 4.0)]
    assert rates[0] == 0.0
    assert rates[0] < rates[1] < rates[2] < rates[3]
    assert rates[3] == 1.0  # 0.5 · 4 / 2


def test_fixed_donors_respond_to_the_variant_and_the_loss() -> None:
    low = {**FIXED, "fraction": 0.05}
    plain = decide(view(low, COOPERATOR)).fraction
    deterred = [
        decide(view(low, COOPERATOR, variant="costly_punishment", loss=loss)).fraction
        for loss in (0.0, 1.0, 2.0)
    ]
    assert deterred[0] == plain < deterred[1] < deterred[2]
    assert decide(view(low, COOPERATOR, variant="partner_choice")).fraction > plain


def test_inheritance_copies_a_survivor_with_small_seeded_noise() -> None:
    inherited = [
        {"agent": "1_3", "score": 30.0, "strategy": RECIPROCATOR},
        {"agent": "1_5", "score": 25.0, "strategy": FIXED},
    ]
    v = {"agent": "2_1", "inherited": inherited}
    child = inherit_rule_strategy(v, random.Random(7))
    assert child == inherit_rule_strategy(v, random.Random(7))
    parent = next(i["strategy"] for i in inherited if i["agent"] == child.copied_from)
    assert child.kind == parent["kind"]
    assert abs(child.fraction - parent["fraction"]) < 0.3
    assert child.fraction != parent["fraction"]
    parents = {inherit_rule_strategy(v, random.Random(s)).copied_from for s in range(20)}
    assert parents == {"1_3", "1_5"}
    with pytest.raises(ValueError, match="no survivor"):
        inherit_rule_strategy({"agent": "1_1", "inherited": []}, random.Random(0))


@pytest.mark.parametrize(
    ("variant", "action", "ok"),
    [
        ("none", "donate", True),
        ("none", "punish", False),
        ("none", "refuse", False),
        ("costly_punishment", "punish", True),
        ("costly_punishment", "refuse", False),
        ("partner_choice", "refuse", True),
        ("partner_choice", "punish", False),
    ],
)
def test_donation_actions_are_checked_against_the_variant(
    variant: str, action: str, ok: bool
) -> None:
    reply = {"action": action, "fraction": 0.0, "rationale": "why"}
    if ok:
        Donation.model_validate(reply, context={"variant": variant})
    else:
        with pytest.raises(ValidationError, match="not possible in this game"):
            Donation.model_validate(reply, context={"variant": variant})


def test_donation_bounds_choices_and_refusals() -> None:
    with pytest.raises(ValidationError):
        Donation(action="donate", fraction=1.2, rationale="x")
    with pytest.raises(ValidationError, match="refusal gives nothing"):
        Donation(action="refuse", fraction=0.3, rationale="x")
    with pytest.raises(ValidationError):
        Donation(action="donate", fraction=0.3, rationale="x", extra=1)
    assert Donation.choices({"variant": "partner_choice"}) == ((("action",), ("donate", "refuse")),)
    assert Donation.choices({}) == ()
    with pytest.raises(ValidationError):
        StrategyText(strategy="x" * 601, rationale="y")
    assert StrategyText.limits({}) == ((("strategy",), (("maxLength", 600),)),)
