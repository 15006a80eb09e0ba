"""The human findings with rule agents, on a small sample (the full table: `society findings`)."""

from __future__ import annotations

import math
from pathlib import Path

from society.analysis.stats import contrast, mean_ci, paired_contrast, t975
from society.games.commons.findings import (
    ARMS,
    FACTOR,
    STRONG_BETA,
    WEAK_BETA,
    findings_experiment,
    findings_file,
    run_findings,
    summarise,
)
from society.scenario import load_scenario


def test_the_findings_file_holds_the_paper_arms_on_paired_seeds() -> None:
    experiment = findings_experiment(runs=4, rounds=7)
    assert findings_file().name == "paper-findings.yaml" and experiment.factors == [FACTOR]
    assert tuple(cell.levels[FACTOR] for cell in experiment.cells) == ARMS
    # Every arm runs the same seeds: the effects are paired within a seed.
    runs = experiment.runs()
    assert {a: sorted(s.seed for c, s in runs if c.levels[FACTOR] == a) for a in ARMS} == {
        a: [0, 1, 2, 3] for a in ARMS
    }
    assert all(s.rounds == 7 for _, s in runs)
    cells = {cell.levels[FACTOR]: cell.scenario for cell in experiment.cells}
    learning = {a: s.institutions.social_learning for a, s in cells.items()}
    assert not learning["no_governance"].enabled and not learning["monitoring_punishment"].enabled
    for arm in ARMS[2:]:
        assert learning[arm].enabled and not cells[arm].learning.enabled
        assert learning[arm].beta == (STRONG_BETA if "strong" in arm else WEAK_BETA)
    base = load_scenario(findings_file().parent.parent / "paper" / "_base.yaml")
    rich = {a: cells[a].commons.regrowth for a in ARMS if a.startswith("rich")}
    assert all(r == base.commons.regrowth for r in rich.values())
    assert cells["scarce_weak_imitation"].commons.regrowth.rate == 0.2
    governed = cells["monitoring_punishment"].institutions
    assert governed.monitoring.enabled and governed.sanctions.enabled


def test_runs_kept_in_a_folder_are_not_run_again(tmp_path: Path) -> None:
    arms = ("no_governance",)
    first = run_findings(runs=2, rounds=3, workers=2, out=tmp_path, arms=arms)
    seen: list[int] = []
    again = run_findings(
        runs=2, rounds=3, workers=2, out=tmp_path, arms=arms, on_done=lambda o: seen.append(o.seed)
    )
    assert again == first and sorted(seen) == [0, 1]
    assert len(list((tmp_path / "runs").glob("paper-findings-no_governance-s*"))) == 2


def test_statistics_helpers() -> None:
    assert abs(t975(10) - 2.228) < 0.002 and abs(t975(30) - 2.042) < 0.002 and t975(2) == 4.303
    estimate = mean_ci([1.0, 2.0, 3.0])
    assert estimate.mean == 2.0 and abs(estimate.high - 2.0 - 4.303 / 3**0.5) < 1e-9
    difference = contrast([(1, [5.0, 6.0, 7.0]), (-1, [1.0, 2.0, 3.0])])
    assert difference.mean == 4.0 and difference.low < 4.0 < difference.high


def test_paired_contrast_works_within_seeds() -> None:
    # Seed-to-seed noise is large, the within-seed difference constant: pairing removes it.
    a = {1: 10.0, 2: 30.0, 3: 50.0}
    b = {1: 8.0, 2: 28.0, 3: 48.0, 4: 99.0}  # seed 4 is not in every group: ignored
    paired = paired_contrast([(1, a), (-1, b)])
    assert paired.mean == 2.0 and paired.low == paired.high == 2.0 and paired.n == 3
    assert contrast([(1, list(a.values())), (-1, list(b.values())[:3])]).low < 0
    relative = paired_contrast([(1, {1: math.e}), (-1, {1: 1.0})], math.log)
    assert relative.mean == 1.0


def test_directions_of_the_human_findings() -> None:
    rounds = 50
    findings = summarise(run_findings(runs=3, rounds=rounds, workers=2), rounds)
    # 1. Without governance most populations collapse well before the limit.
    assert findings.collapsed_share["no_governance"] >= 0.5
    assert findings.by_arm["no_governance"].mean < 0.8 * rounds
    # 2. Monitoring with costly punishment clearly lengthens survival.
    assert findings.governance_effect.mean > 5
    # 3. Stronger payoff-biased imitation shortens survival, rich and scarce.
    assert findings.beta_effect_rich.mean < 0
    assert findings.beta_effect_scarce.mean < 0


IMITATION = (
    "rich_weak_imitation",
    "rich_strong_imitation",
    "scarce_weak_imitation",
    "scarce_strong_imitation",
)


def test_strong_imitation_hurts_more_when_scarce() -> None:
    """The β × r interaction on the relative scale: strong imitation shortens survival by a
    larger share when the resource is scarce (20 paired seeds; the full table has 30)."""
    outcomes = run_findings(runs=20, rounds=50, workers=2, arms=IMITATION)
    v = {
        arm: {o.seed: float(o.survival_time) for o in outcomes if o.arm == arm} for arm in IMITATION
    }
    interaction = paired_contrast(
        [
            (1, v["scarce_strong_imitation"]),
            (-1, v["scarce_weak_imitation"]),
            (-1, v["rich_strong_imitation"]),
            (1, v["rich_weak_imitation"]),
        ],
        math.log,
    )
    assert interaction.mean < 0 and interaction.high < 0


def test_the_findings_command_runs_the_experiment_file_and_prints_the_effects(
    tmp_path: Path,
) -> None:
    from cli_in_process import society

    done = society(["findings", "--runs", "2", "--rounds", "4", "--out", str(tmp_path)])
    assert done.code == 0, done.output
    assert "no_governance" in done.stdout and "2. monitoring + punishment" in done.stdout
    assert "interaction (scarce β effect − rich β effect)" in done.stdout
    assert (tmp_path / "experiment.yaml").read_text() == findings_file().read_text()
    assert len(list((tmp_path / "runs").glob("paper-findings-*"))) == 2 * len(ARMS)
