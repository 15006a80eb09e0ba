"""The matrix game's rule baseline reproduces the textbook findings of the repeated
Prisoner's Dilemma (Akata et al.'s matrix, the shipped tournament: two players of each rule
strategy, 10-round matches), on paired seeds: each arm runs the same seeds, effects are taken
within each seed and averaged with a 95% CI over seeds (society.analysis.stats).

1. Against reciprocators (tit-for-tat, grim trigger, win-stay-lose-shift), a reciprocator
   earns more per round than always-defect does, also with trembling hands.
2. Without trembles, reciprocators cooperate with each other in more than 90% of rounds and
   always-defect's rounds are never mutual cooperation; with trembles the gap stays.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import SCENARIOS

from society.analysis.stats import Estimate, paired_contrast
from society.coordinator.runner import run_society_sync
from society.scenario import load_scenario

RECIPROCATORS = ("tit_for_tat", "grim_trigger", "win_stay_lose_shift")
SEEDS = range(1, 9)


def tournament(tremble: float, seed: int, out: Path) -> dict[str, Any]:
    base = load_scenario(SCENARIOS / "matrix" / "tournament.yaml")
    matrix = {**base.matrix.model_dump(mode="json"), "tremble": tremble}
    scenario = load_scenario(
        SCENARIOS / "matrix" / "tournament.yaml", {"seed": seed, "matrix": matrix}
    )
    result = run_society_sync(scenario, out / f"{tremble}-{seed}")
    return json.loads((result.run_dir / "metrics.json").read_text())


def against(metrics: dict[str, Any], label: str, opponents: tuple[str, ...], measure: str) -> float:
    """`label`'s mean of `measure` per round over its rounds against `opponents`."""
    cells = [c for c in metrics["pairs"] if c["label"] == label and c["opponent"] in opponents]
    total = sum(c["rounds"] for c in cells)
    value = (lambda c: c["payoff"]) if measure == "payoff" else (lambda c: c["measures"][measure])
    return sum(value(c) * c["rounds"] for c in cells) / total


@pytest.fixture(scope="module")
def trembling(tmp_path_factory: pytest.TempPathFactory) -> dict[int, dict[str, Any]]:
    out = tmp_path_factory.mktemp("trembling")
    return {seed: tournament(0.05, seed, out) for seed in SEEDS}


@pytest.fixture(scope="module")
def exact(tmp_path_factory: pytest.TempPathFactory) -> dict[int, dict[str, Any]]:
    out = tmp_path_factory.mktemp("exact")
    return {seed: tournament(0.0, seed, out) for seed in range(1, 4)}


def effect(runs: dict[int, dict[str, Any]], better: Any, worse: Any) -> Estimate:
    return paired_contrast(
        [
            (1.0, {s: better(m) for s, m in runs.items()}),
            (-1.0, {s: worse(m) for s, m in runs.items()}),
        ]
    )


@pytest.mark.parametrize("reciprocator", ["tit_for_tat", "grim_trigger"])
def test_reciprocators_earn_more_against_reciprocators_than_always_defect(
    trembling: dict[int, dict[str, Any]], reciprocator: str
) -> None:
    found = effect(
        trembling,
        lambda m: against(m, reciprocator, RECIPROCATORS, "payoff"),
        lambda m: against(m, "always_defect", RECIPROCATORS, "payoff"),
    )
    print(f"\n{reciprocator} − always_defect, payoff per round against reciprocators: {found}")
    assert found.mean > 0 and found.low > 0  # the direction, and a CI that excludes zero


def test_reciprocators_cooperate_with_each_other_and_always_defect_never_does(
    exact: dict[int, dict[str, Any]], trembling: dict[int, dict[str, Any]]
) -> None:
    everyone = tuple({c["label"] for m in exact.values() for c in m["pairs"]})
    for metrics in exact.values():
        for label in RECIPROCATORS:
            assert against(metrics, label, RECIPROCATORS, "mutual_cooperation") > 0.9
        assert against(metrics, "always_defect", everyone, "mutual_cooperation") == 0.0
    found = effect(
        trembling,
        lambda m: (
            sum(against(m, r, RECIPROCATORS, "mutual_cooperation") for r in RECIPROCATORS) / 3
        ),
        lambda m: against(m, "always_defect", everyone, "mutual_cooperation"),
    )
    print(f"\nmutual cooperation, reciprocator pairs − always_defect's, trembling: {found}")
    assert found.low > 0.5
