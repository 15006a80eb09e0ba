"""The pure rules behind the institutions: ladder, vote counting, Fermi rule, reputation."""

from __future__ import annotations

import math

import pytest

from society.core.rng import derive_rng
from society.games.commons.dynamics import (
    LadderStep,
    cosine,
    fermi_probability,
    ladder_step,
    mean_pairwise_similarity,
    plurality,
    sanction,
    update_reputation,
    violates,
)
from society.games.commons.institutions.voting import build_ballot

LADDER = [
    LadderStep("warning"),
    LadderStep("fine", fine_multiple=1.0),
    LadderStep("fine", fine_multiple=2.0),
    LadderStep("exclusion", exclusion_rounds=2),
]


@pytest.mark.parametrize(
    ("offences", "kind", "fine", "excluded"),
    [
        (0, "warning", 0.0, 0),
        (1, "fine", 3.0, 0),
        (2, "fine", 6.0, 0),
        (3, "exclusion", 0.0, 2),
        (9, "exclusion", 0.0, 2),
    ],
)
def test_ladder_grows_with_the_record_and_repeats_its_last_step(
    offences: int, kind: str, fine: float, excluded: int
) -> None:
    outcome = sanction("a", "b", LADDER, offences, cost=1.0, base_fine=3.0)
    assert (outcome.kind, outcome.fine, outcome.exclusion_rounds) == (kind, fine, excluded)
    assert outcome.punisher_cost == 1.0  # punishing costs κ whatever the step
    assert outcome.step == min(offences, 3)


def test_ladder_needs_a_step() -> None:
    with pytest.raises(ValueError, match="at least one step"):
        ladder_step([], 0)


def test_violation_is_strictly_above_the_norm() -> None:
    assert not violates(3.6, 3.6)
    assert violates(3.6001, 3.6)


def test_plurality_counts_and_names_the_winner() -> None:
    result = plurality(
        ["P1", "P2", "P3"], {"a": "P2", "b": "P2", "c": "P1"}, derive_rng(0, 1, "vote")
    )
    assert result.counts == {"P1": 1, "P2": 2, "P3": 0}
    assert result.winner == "P2" and result.tied == ["P2"]


def test_plurality_breaks_ties_by_seeded_draw() -> None:
    votes = {"a": "P1", "b": "P2"}
    winners = {
        plurality(["P1", "P2"], votes, derive_rng(seed, 1, "vote")).winner for seed in range(40)
    }
    assert winners == {"P1", "P2"}  # both can win a tie...
    again = [plurality(["P1", "P2"], votes, derive_rng(7, 1, "vote")).winner for _ in range(5)]
    assert len(set(again)) == 1  # ...and the same seed always picks the same one
    assert plurality(["P1", "P2"], votes, derive_rng(7, 1, "vote")).tied == ["P1", "P2"]


def test_plurality_without_votes_has_no_winner_and_rejects_unknown_ids() -> None:
    assert plurality(["P1"], {}, derive_rng(0, 1, "vote")).winner is None
    with pytest.raises(ValueError, match="not on the ballot"):
        plurality(["P1"], {"a": "P9"}, derive_rng(0, 1, "vote"))


def test_fermi_probability() -> None:
    assert fermi_probability(5.0, 5.0, 1.0) == 0.5
    assert fermi_probability(0.0, 1.0, 1.0) == pytest.approx(1 / (1 + math.exp(-1)))
    assert fermi_probability(1.0, 0.0, 1.0) == pytest.approx(1 / (1 + math.e))
    assert fermi_probability(0.0, 10.0, 0.0) == 0.5  # β = 0: no selection
    assert (
        fermi_probability(0.0, 1e6, 1.0) == 1.0 and fermi_probability(1e6, 0.0, 1.0) == 0.0
    )  # no overflow
    assert fermi_probability(0.0, 2.0, 2.0) > fermi_probability(0.0, 2.0, 1.0)  # stronger selection


def test_reputation_moves_toward_what_was_seen() -> None:
    assert update_reputation(0.5, True, 0.5) == 0.75
    assert update_reputation(0.5, False, 0.5) == 0.25
    assert update_reputation(0.5, False, 0.25) == 0.375  # hearsay weighs less
    assert update_reputation(0.8, True, 0.0) == 0.8
    with pytest.raises(ValueError):
        update_reputation(0.5, True, 1.5)


def test_norm_similarity() -> None:
    assert cosine("take at most 3", "take at most 3") == pytest.approx(1.0)
    assert cosine("take at most 3", "share fairly") == 0.0
    assert mean_pairwise_similarity(["a b", "a b", "c"]) == pytest.approx(1 / 3)
    assert mean_pairwise_similarity(["only one"]) is None


def test_ballot_merges_identical_proposals_and_caps_its_size() -> None:
    proposals = {
        "a": {"text": "At most 3.", "limit": 3},
        "b": {"text": "At most 5.", "limit": 5},
        "c": {"text": "At most 3.", "limit": 3.0},
        "d": {"text": "At most 9.", "limit": 9},
    }
    ballot = build_ballot(proposals, max_ballot=2)
    assert list(ballot) == ["P1", "P2"]
    assert ballot["P1"]["proposers"] == ["a", "c"] and ballot["P1"]["limit"] == 3
    assert ballot["P2"]["proposers"] == ["b"]  # ties on support keep agent order
