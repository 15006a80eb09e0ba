"""Sanction severity (scenarios/experiments/sanction-severity.yaml): with rule agents that learn
from the size of consequences, a larger base fine raises the cooperation rate; the 20 seeds
pair the cells, and the paired 6 − 1 difference's 95% CI excludes zero."""

from __future__ import annotations

from pathlib import Path

from society.analysis.stats import mean_ci, paired_contrast
from society.experiments.executors import LocalExecutor
from society.experiments.runner import run_experiment
from society.experiments.spec import load_experiment

FILE = Path(__file__).resolve().parent.parent / "scenarios/experiments/sanction-severity.yaml"


def test_a_larger_fine_raises_cooperation_on_paired_seeds(tmp_path: Path) -> None:
    experiment = load_experiment(FILE)
    assert [c.levels["fine"] for c in experiment.cells] == ["1", "3", "6"]
    assert [c.scenario.institutions.sanctions.fine for c in experiment.cells] == [1, 3, 6]
    assert len(experiment.seeds) == 20
    state = run_experiment(experiment, tmp_path, LocalExecutor(2))
    assert not state.failed
    rate: dict[str, dict[int, float]] = {"1": {}, "3": {}, "6": {}}
    for outcome in state.succeeded:
        cooperation = outcome.metrics["governance"]["cooperation_rate"]
        rate[outcome.job.levels["fine"]][outcome.job.seed] = cooperation
    means = {fine: mean_ci(list(by_seed.values())).mean for fine, by_seed in rate.items()}
    assert means["1"] < means["3"] < means["6"], means
    difference = paired_contrast([(1, rate["6"]), (-1, rate["1"])])
    assert difference.n == 20 and difference.low > 0, difference
