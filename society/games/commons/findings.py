"""Reproduce the human findings with rule-based agents (docs/mechanics.md §7) over many seeded runs.

1. Without governance most populations collapse well before the round limit.
2. Monitoring with costly punishment clearly lengthens survival.
3. Stronger payoff-biased imitation (β) spreads over-harvesting faster when the resource is
   scarce: the β effect on survival, and its interaction with the growth rate r.

The arms are the experiment file `scenarios/experiments/paper-findings.yaml` (one factor,
`arm`), run by the experiment machinery like any `society experiment`: every run is a full
society run through the graphs, on parallel processes, and a run folder kept with `out` is
not run again. Every arm runs the same seeds, and a seed fixes every draw that does not depend
on the arm, so the β effects and the interaction are computed within each seed (paired), in
rounds and as a log ratio of survival times (relative effect: collapse times scale with the
growth rate).
"""

from __future__ import annotations

import json
import math
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from society.analysis.metrics_file import METRICS_FILE
from society.analysis.stats import Estimate, mean_ci, paired_contrast
from society.experiments.executors import LocalExecutor
from society.experiments.jobs import Job
from society.experiments.runner import Progress, run_experiment
from society.experiments.spec import Experiment, load_experiment
from society.prompts import bundled_prompts_dir

FACTOR = "arm"
# The levels of the file's `arm` factor (tests/test_findings.py checks they match), in order.
ARMS = (
    "no_governance",
    "monitoring_punishment",
    "rich_weak_imitation",
    "rich_strong_imitation",
    "scarce_weak_imitation",
    "scarce_strong_imitation",
)
WEAK_BETA, STRONG_BETA = 0.05, 1.0  # the imitation arms' social_learning.beta


@dataclass(frozen=True)
class RunOutcome:
    arm: str
    seed: int
    survival_time: int
    survived: bool
    end_reason: str | None


def findings_file() -> Path:
    return bundled_prompts_dir().parent / "scenarios" / "experiments" / "paper-findings.yaml"


def findings_experiment(
    runs: int, rounds: int = 50, arms: Sequence[str] = ARMS, path: Path | None = None
) -> Experiment:
    """The findings file with `runs` seeds (0..runs-1, the same for every arm), `rounds` per
    run, and only the cells of `arms`."""
    experiment = load_experiment(path or findings_file())
    unknown = set(arms) - {cell.levels[FACTOR] for cell in experiment.cells}
    if unknown:
        raise ValueError(f"no such arm in {experiment.source}: {sorted(unknown)}")
    cells = [
        replace(cell, scenario=cell.scenario.model_copy(update={"rounds": rounds}))
        for cell in experiment.cells
        if cell.levels[FACTOR] in arms
    ]
    return replace(experiment, cells=cells, seeds=list(range(runs)))


def run_findings(
    runs: int,
    rounds: int = 50,
    workers: int = 2,
    out: Path | None = None,
    on_done: Callable[[RunOutcome], None] | None = None,
    arms: Sequence[str] = ARMS,
) -> list[RunOutcome]:
    """Run the findings experiment (into `out`, kept; else a folder discarded afterwards) and
    return each run's outcome. A run that still fails after its retry is an error: an effect
    over the seeds that happened to succeed would no longer be paired."""
    experiment = findings_experiment(runs, rounds, arms)

    def done(progress: Progress) -> None:
        if progress.outcome.ok and on_done is not None:
            on_done(_outcome(progress.outcome.job, progress.outcome.metrics))

    holder = nullcontext(str(out)) if out is not None else tempfile.TemporaryDirectory()
    with holder as folder:
        state = run_experiment(experiment, Path(folder), LocalExecutor(workers), on_progress=done)
        if state.failed:
            first = state.failed[0]
            raise RuntimeError(
                f"{len(state.failed)} findings run(s) failed, e.g. {first.job.run_id}: {first.error}"
            )
        by_job = {o.job.run_id: o.metrics for o in state.succeeded}
        for job in state.skipped:  # finished in an earlier call with the same `out`
            by_job[job.run_id] = json.loads((job.run_dir / METRICS_FILE).read_text("utf-8"))
            if on_done is not None:
                on_done(_outcome(job, by_job[job.run_id]))
        return [_outcome(job, by_job[job.run_id]) for job in state.jobs]


def _outcome(job: Job, metrics: dict[str, Any]) -> RunOutcome:
    return RunOutcome(
        job.levels[FACTOR],
        job.seed,
        int(metrics["survival_time"]),
        bool(metrics["survived"]),
        metrics.get("end_reason"),
    )


@dataclass(frozen=True)
class Findings:
    by_arm: dict[str, Estimate]
    collapsed_share: dict[str, float]
    governance_effect: Estimate
    beta_effect_rich: Estimate
    beta_effect_scarce: Estimate
    interaction: Estimate  # in rounds
    relative_beta_effect_rich: Estimate  # log(strong / weak survival time)
    relative_beta_effect_scarce: Estimate
    relative_interaction: Estimate  # difference of the two log ratios


def summarise(outcomes: list[RunOutcome], rounds: int) -> Findings:
    survival = {arm: [float(o.survival_time) for o in outcomes if o.arm == arm] for arm in ARMS}
    by_seed = {
        arm: {o.seed: float(o.survival_time) for o in outcomes if o.arm == arm} for arm in ARMS
    }
    collapsed = {
        arm: sum(1 for o in outcomes if o.arm == arm and not o.survived)
        / max(1, len(survival[arm]))
        for arm in ARMS
    }
    s = by_seed
    rich = [(1.0, s["rich_strong_imitation"]), (-1.0, s["rich_weak_imitation"])]
    scarce = [(1.0, s["scarce_strong_imitation"]), (-1.0, s["scarce_weak_imitation"])]
    interaction = [*scarce, *((-w, v) for w, v in rich)]
    return Findings(
        by_arm={arm: mean_ci(values) for arm, values in survival.items()},
        collapsed_share=collapsed,
        governance_effect=paired_contrast(
            [(1.0, s["monitoring_punishment"]), (-1.0, s["no_governance"])]
        ),
        beta_effect_rich=paired_contrast(rich),
        beta_effect_scarce=paired_contrast(scarce),
        interaction=paired_contrast(interaction),
        relative_beta_effect_rich=paired_contrast(rich, math.log),
        relative_beta_effect_scarce=paired_contrast(scarce, math.log),
        relative_interaction=paired_contrast(interaction, math.log),
    )


def report_lines(f: Findings, rounds: int) -> Iterator[str]:
    yield f"{'arm':26s} {'runs':>4s}  survival time (mean [95% CI])   collapsed within {rounds}"
    for arm, estimate in f.by_arm.items():
        yield f"{arm:26s} {estimate.n:4d}  {estimate!s:30s}   {100 * f.collapsed_share[arm]:5.1f}%"
    yield ""
    yield f"1. no governance: {100 * f.collapsed_share['no_governance']:.0f}% of runs collapse within {rounds} rounds"
    yield f"2. monitoring + punishment − no governance: {f.governance_effect} rounds"
    yield f"3. strong − weak imitation (β {STRONG_BETA:g} vs {WEAK_BETA:g}): rich {f.beta_effect_rich}, scarce {f.beta_effect_scarce}"
    yield f"   interaction (scarce β effect − rich β effect): {f.interaction} rounds"
    yield (
        f"   relative (log survival-time ratio): rich {f.relative_beta_effect_rich}, "
        f"scarce {f.relative_beta_effect_scarce}; interaction {f.relative_interaction}"
    )
