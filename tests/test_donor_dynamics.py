"""Donor-game mechanics (society.games.donor.dynamics): invariants and traces."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from society.games.donor.dynamics import (
    allowed_actions,
    apply_outcome,
    generation_metrics,
    interaction_record,
    recent_trace,
    resolve_donation,
)

amounts = st.floats(min_value=0.0, max_value=1e4, allow_nan=False)
fractions = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)
factors = st.floats(min_value=0.0, max_value=10.0, allow_nan=False)
actions = st.sampled_from(["donate", "punish", "refuse"])


@given(amounts, amounts, actions, fractions, factors, factors)
def test_conservation_identity_and_no_negative_resources(
    donor: float, recipient: float, action: str, fraction: float, gain: float, loss: float
) -> None:
    if action == "refuse":
        fraction = 0.0
    out = resolve_donation(donor, recipient, action, fraction, gain, loss)
    after = apply_outcome({"d": donor, "r": recipient}, "d", "r", out)
    # The exact identity: Δtotal = (gain − 1)·given − (cost − given) − punished, where
    # cost − given is what was spent on punishment.
    change = after["d"] + after["r"] - donor - recipient
    expected = (gain - 1.0) * out.given - (out.cost - out.given) - out.punished
    assert math.isclose(
        change, expected, rel_tol=1e-9, abs_tol=1e-9 * (1 + donor + recipient) * (1 + gain + loss)
    )
    assert after["d"] >= 0.0 and after["r"] >= 0.0
    assert min(out.given, out.received, out.punished, out.cost) >= 0.0
    assert out.cost <= donor
    assert out.punished <= recipient
    if action == "donate":
        assert out.given == out.cost and out.received == gain * out.given and out.punished == 0
    elif action == "punish":
        assert (
            out.given == 0 and out.received == 0 and out.punished == min(recipient, loss * out.cost)
        )
    else:
        assert out.refused and out.cost == out.given == out.punished == out.received == 0


def test_worked_example_from_the_paper_numbers() -> None:
    out = resolve_donation(10, 10, "donate", 0.5, 2, 2)
    assert (out.given, out.received, out.cost) == (5, 10, 5)
    out = resolve_donation(10, 3, "punish", 0.2, 2, 2)
    assert (out.cost, out.punished) == (2, 3)  # 2·2 = 4 would be more than the recipient has


@pytest.mark.parametrize(
    ("args", "match"),
    [
        ((-1, 10, "donate", 0.5, 2, 2), "donor_resources"),
        ((10, 10, "donate", 1.5, 2, 2), "at most 1"),
        ((10, 10, "donate", -0.1, 2, 2), "amount_fraction"),
        ((10, 10, "steal", 0.5, 2, 2), "unknown action"),
        ((10, 10, "refuse", 0.5, 2, 2), "refusal"),
        ((10, 10, "donate", 0.5, float("nan"), 2), "gain"),
    ],
)
def test_bad_inputs_are_errors(args: tuple, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        resolve_donation(*args)


def test_allowed_actions_per_variant() -> None:
    assert allowed_actions("none") == ("donate",)
    assert allowed_actions("costly_punishment") == ("donate", "punish")
    assert allowed_actions("partner_choice") == ("donate", "refuse")
    with pytest.raises(ValueError, match="variant"):
        allowed_actions("exile")


def _play(moves: list[tuple[int, str, str, str, float]]) -> list[dict]:
    history, resources = [], {a: 10.0 for a in "ABCDEF"}
    for rnd, donor, recipient, action, fraction in moves:
        out = resolve_donation(resources[donor], resources[recipient], action, fraction, 2, 2)
        history.append(
            interaction_record(
                generation=1,
                round=rnd,
                donor=donor,
                recipient=recipient,
                action=action,
                fraction=fraction,
                donor_resources=resources[donor],
                outcome=out,
            )
        )
        resources = apply_outcome(resources, donor, recipient, out)
    return history


def test_trace_follows_the_chain_of_partners() -> None:
    history = _play(
        [
            (1, "D", "E", "donate", 0.9),  # not in A's chain: it runs A -> B -> C -> F
            (1, "C", "F", "donate", 0.1),
            (2, "B", "C", "donate", 0.4),
            (2, "A", "D", "donate", 0.2),
            (3, "A", "B", "donate", 0.7),
        ]
    )
    trace = recent_trace(history, "A", 3)
    assert [(t["round"], t["donor"], t["recipient"]) for t in trace] == [
        (3, "A", "B"),
        (2, "B", "C"),
        (1, "C", "F"),
    ]
    assert [t["fraction"] for t in trace] == [0.7, 0.4, 0.1]
    assert recent_trace(history, "A", 1) == trace[:1]
    assert recent_trace(history, "A", 0) == []
    assert recent_trace(history, "E", 3) == []  # E has never been a donor
    # D gave in round 1 to E, who had not given before: the chain stops early.
    assert [t["recipient"] for t in recent_trace(history, "D", 3)] == ["E"]


def test_trace_only_looks_before_the_act() -> None:
    # B's act in round 3 came after A gave to B in round 2: it is not part of A's chain.
    history = _play([(2, "A", "B", "donate", 0.5), (3, "B", "C", "donate", 0.1)])
    assert [t["donor"] for t in recent_trace(history, "A", 3)] == ["A"]


def test_generation_metrics() -> None:
    history = _play(
        [(1, "A", "B", "donate", 0.5), (1, "C", "D", "punish", 0.1), (2, "B", "A", "donate", 0.0)]
    )
    m = generation_metrics(history, {"A": 10.0, "B": 20.0})
    assert m["interactions"] == 3
    assert m["mean_final_resources"] == 15.0
    assert math.isclose(m["donation_fraction"], 0.5 / 3)
    assert math.isclose(m["donated_fraction_when_donating"], 0.25)
    assert math.isclose(m["punishment_rate"], 1 / 3)
    assert math.isclose(m["punishment_spent"], 1.0)
    assert m["refusal_rate"] == 0.0
    assert m["total_given"] == 5.0
    with pytest.raises(ValueError):
        generation_metrics(history, {})


@pytest.mark.parametrize(
    "path",
    ["society/games/donor/dynamics.py", "society/core/pairing.py", "society/core/generations.py"],
)
def test_pure_modules_import_only_the_standard_library(path: str) -> None:
    import ast
    import sys
    from pathlib import Path

    tree = ast.parse((Path(__file__).parent.parent / path).read_text())
    imported = {
        (node.module or "") if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    roots = {name.split(".")[0] for name in imported}
    assert roots <= set(sys.stdlib_module_names) | {"__future__"}, roots
