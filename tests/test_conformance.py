"""The conformance kit on every shipped game (and, in tests/test_plugin_game.py, on a game
registered from outside the package)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import EVERY_INSTITUTION, scenario

from society.testing import ConformanceError, check_game
from society.testing.conformance import RenderingMind  # noqa: F401  (public for users' kits)

COMMONS_CASES = {
    "demo-every-institution": ("demo.yaml", {"rounds": 3, "institutions": EVERY_INSTITUTION}),
    "govsim-fishery-town-hall": ("govsim/fishery.yaml", {"rounds": 2}),
    "paper-scarce-selfish": ("paper/scarce-selfish.yaml", {"rounds": 3}),
    # Two turnovers, everything inherited: kills land before, at and after a generation boundary.
    "govsim-fishery-generations": (
        "govsim/fishery-generations.yaml",
        {"rounds": 5, "generations": {"rounds_per_generation": 2, "inherit": ["memories", "strategies", "norms"]}},
    ),
}


@pytest.mark.parametrize("case", sorted(COMMONS_CASES))
def test_the_commons_conforms(case: str, tmp_path: Path) -> None:
    relative, overrides = COMMONS_CASES[case]
    report = check_game(scenario(relative, **overrides), tmp_path, kills=3, seed=7)
    assert report.events > 20
    assert {"run_started", "decision", "run_finished"} <= report.kinds
    assert "harvest" in report.phases_rendered
    assert len(report.kills) == 3


def test_the_kit_fails_a_nondeterministic_run(tmp_path: Path, monkeypatch) -> None:
    """The kit can fail: a resolver that draws from an unseeded generator is caught."""
    import random

    from society.games.commons import harvesting

    real = harvesting.resolve_harvest
    unseeded = random.Random()

    def noisy(state, deps):  # type: ignore[no-untyped-def]
        update = real(state, deps)
        return {**update, "stock": update["stock"] - unseeded.random()}

    monkeypatch.setattr(harvesting, "resolve_harvest", noisy)
    from society.games.commons import phases

    monkeypatch.setattr(phases, "resolve_harvest", noisy)
    with pytest.raises(ConformanceError) as caught:
        check_game(scenario("demo.yaml", rounds=2), tmp_path, kills=0)
    assert "the same seed gave a different events.jsonl" in caught.value.failures


def test_appeals_conform(tmp_path: Path) -> None:
    from society.testing import check_institution

    institutions = {
        "monitoring": {"enabled": True},
        "gossip": {"enabled": True},
        "sanctions": {"enabled": True, "act_on_gossip": True},
        "appeals": {"enabled": True},
    }
    s = scenario("demo.yaml", rounds=6, seed=1, institutions=institutions)
    report = check_institution("appeals", s, tmp_path, kills=2, seed=3)
    assert {"appeal", "judge"} <= report.phases_rendered


@pytest.mark.parametrize("variant", ["costly-punishment", "partner-choice"])
def test_the_donor_game_conforms(variant: str, tmp_path: Path) -> None:
    """Two generations of the donor game (a generation boundary falls inside the run, so the
    kills can land on selection and inheritance)."""
    s = scenario(
        f"donor/{variant}.yaml",
        donor={
            "variant": variant.replace("-", "_"),
            "generations": 2,
            "rounds_per_game": 4,
            "games_per_generation": 1,
        },
        population=[
            {"name": "reciprocators", "count": 2, "persona": "reciprocator"},
            {"name": "defectors", "count": 2, "persona": "fixed_0"},
        ],
    )
    report = check_game(s, tmp_path, kills=3, seed=11)
    assert "donate" in report.phases_rendered and "inherit" in report.phases_rendered


@pytest.mark.parametrize("pairing", ["round_robin", "random"])
def test_the_matrix_game_conforms(pairing: str, tmp_path: Path) -> None:
    """The tournament with trembling hands (draws in every turn), the pairs changing inside
    the run (kills can land on a new match)."""
    base = scenario("matrix/tournament.yaml").matrix.model_dump(mode="json")
    matrix = {**base, "tremble": 0.1, "pairing": {"kind": pairing, "match_rounds": 3}}
    s = scenario("matrix/tournament.yaml", rounds=9, matrix=matrix)
    report = check_game(s, tmp_path, kills=3, seed=5)
    assert "play" in report.phases_rendered
    assert {"matrix_round_started", "pair_played", "matrix_round_finished"} <= report.kinds
