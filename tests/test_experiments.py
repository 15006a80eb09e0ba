"""Experiments: grid files validated like scenarios, every cell × seed run in parallel with
finished runs skipped and failed ones retried, the same per-run metrics whatever the executor
or worker count, and tables, ANOVA, exports, plots and a summary from the run folders."""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import yaml
from conftest import SCENARIOS

from society.analysis.metrics_file import METRICS_FILE
from society.coordinator.runner import run_society_sync
from society.experiments import (
    Job,
    JobOutcome,
    LocalExecutor,
    load_experiment,
    plan_jobs,
    run_experiment,
    run_job,
)
from society.experiments.analysis import analyse
from society.experiments.anova import two_way_anova
from society.experiments.jobs import ASIDE_DIR, RUNS_DIR
from society.experiments.tables import wilson
from society.scenario import ScenarioError
from society.scenario.schema import ModelSpec, Scenario
from society.testing import ScriptedChatModel, ScriptedRequest

BASE = SCENARIOS / "paper" / "_base.yaml"


def small_experiment(folder: Path, seeds: int = 2, rounds: int = 4, extra: str = "") -> Path:
    """2 × 2 cells (resource × ablation) of the paper's commons, a few short runs."""
    path = folder / "small.yaml"
    path.write_text(
        f"""\
name: small
scenario: {BASE}
seeds: {seeds}
overrides:
  rounds: {rounds}
  institutions: {{monitoring: {{enabled: true}}, sanctions: {{enabled: true}}}}
grid:
  resource:
    rich: {{}}
    scarce: {{scenario: {SCENARIOS / "paper" / "_scarce.yaml"}}}
  ablation:
    full: {{ablation: full}}
    neither: {{ablation: neither}}
{extra}""",
        encoding="utf-8",
    )
    return path


def metrics_by_run(out: Path) -> dict[str, dict[str, object]]:
    return {
        p.parent.name: json.loads(p.read_text())
        for p in sorted((out / RUNS_DIR).glob(f"*/{METRICS_FILE}"))
    }


def society(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "society", *args],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=cwd,
    )


# ---- files ---------------------------------------------------------------------------------


def test_shipped_experiments_load_into_their_grids() -> None:
    grid = load_experiment(SCENARIOS / "experiments" / "paper-grid.yaml")
    assert len(grid.cells) == 16 and grid.seeds == list(range(10))
    assert grid.factors == ["resource", "persona", "ablation"]
    by_name = {c.name: c.scenario for c in grid.cells}
    scarce = by_name["paper-grid-scarce-selfish-voting_only"]
    assert scarce.commons.regrowth.rate == 0.2 and scarce.norm.limit == 1.2  # type: ignore[union-attr]
    assert scarce.population[0].persona == "selfish" and scarce.rounds == 50
    assert scarce.institutions.voting.enabled and not scarce.institutions.social_learning.enabled
    assert scarce.institutions.sanctions.enabled
    rich = by_name["paper-grid-rich-altruistic-full"]
    assert rich.commons.regrowth.rate == 0.6  # type: ignore[union-attr]
    assert rich.institutions.social_learning.enabled and rich.institutions.voting.enabled

    govsim = load_experiment(SCENARIOS / "experiments" / "govsim-benchmark.yaml")
    assert govsim.factors == ["commons", "intervention", "model"] and len(govsim.cells) == 12
    cells = {c.name: c.scenario for c in govsim.cells}
    assert cells["govsim-pasture-universalization-rules"].interventions.universalization
    assert not cells["govsim-pollution-no-communication-rules"].institutions.town_hall.enabled
    assert cells["govsim-fishery-greedy-newcomer-rules"].population[1].joins_at == 4
    assert cells["govsim-pollution-default-rules"].commons.resource.name == "river"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "name: x\nscenario: B\nseed: 3\n",
            "x.yaml:3: seed: unknown field 'seed'; did you mean 'seeds'?",
        ),
        ("name: x\nscenario: B\nseeds: 0\n", "x.yaml:3: seeds: give at least one seed"),
        ("name: x\nscenario: nowhere.yaml\nseeds: 1\n", "x.yaml:2: scenario: no such file"),
        (
            "name: x\nscenario: B\nseeds: 1\noverrides:\n  rounds: 0\n",
            "x.yaml:5: rounds: Input should be greater than or equal to 1 (got 0) (cell x)",
        ),
        (
            "name: x\nscenario: B\nseeds: 1\ngrid:\n  r:\n    fast:\n      commons: {regrowth: {kind: logistic, rate: 9}}\n",
            "x.yaml:7: commons.regrowth.rate: Input should be less than or equal to 5 (got 9) (cell x-fast)",
        ),
        (
            "name: x\nscenario: B\nseeds: 1\ngrid:\n  r:\n    a: {seed: 4}\n",
            "x.yaml:6: grid.r.a.seed: set by the experiment",
        ),
        (
            "name: x\nscenario: B\nseeds: 1\ngrid:\n  r: {a: {}}\n  s: {b: {}}\nanova: {factors: [r, t]}\n",
            "x.yaml:7: anova.factors[1]: 't' is not a grid factor",
        ),
        ("name: x\nscenario: B\nseeds: [1, 2\n", "x.yaml:3: YAML syntax error"),
        ("name: X Y\nscenario: B\nseeds: 1\n", "x.yaml:1: name: must start with a lowercase"),
    ],
)
def test_a_wrong_experiment_file_names_file_line_and_field(
    tmp_path: Path, text: str, expected: str
) -> None:
    path = tmp_path / "x.yaml"
    path.write_text(text.replace(": B\n", f": {BASE}\n"), encoding="utf-8")
    with pytest.raises(ScenarioError) as error:
        load_experiment(path)
    assert any(line.endswith(expected) or expected in line for line in error.value.lines), (
        error.value.lines
    )


def test_cli_without_the_analysis_extra_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from society.cli import app
    from society.cli import experiment as command

    monkeypatch.setattr(command, "_importable", lambda name: name != "pyarrow")
    path = small_experiment(tmp_path)
    result = CliRunner().invoke(app, ["experiment", str(path), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "needs pyarrow: pip install -e '.[analysis]'" in result.output
    assert not (tmp_path / "out").exists()


def test_cli_reports_a_wrong_file_with_exit_2_and_no_traceback(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(f"name: bad\nscenario: {BASE}\nseeds: 1\noverrides: {{rounds: -1}}\n")
    result = society("experiment", str(path), "--out", str(tmp_path / "out"))
    assert result.returncode == 2, result.stderr
    assert "bad.yaml:4: rounds:" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


# ---- statistics ----------------------------------------------------------------------------


def test_two_way_anova_matches_the_balanced_textbook_formulas() -> None:
    rng = np.random.default_rng(3)
    runs = []
    for a in ("a1", "a2", "a3"):
        for b in ("b1", "b2"):
            shift = {"a1": 0.0, "a2": 1.5, "a3": -1.0}[a] + (2.0 if b == "b2" else 0.0)
            shift += 1.0 if (a, b) == ("a3", "b2") else 0.0
            for value in rng.normal(shift, 1.0, size=5):
                runs.append({"A": a, "B": b, "y": float(value)})
    table = two_way_anova(runs, "y", "A", "B")
    y = np.array([r["y"] for r in runs])
    grand = y.mean()

    def mean(**where: str) -> float:
        return float(np.mean([r["y"] for r in runs if all(r[k] == v for k, v in where.items())]))

    ss_a = 10 * sum((mean(A=a) - grand) ** 2 for a in ("a1", "a2", "a3"))
    ss_b = 15 * sum((mean(B=b) - grand) ** 2 for b in ("b1", "b2"))
    ss_cells = 5 * sum(
        (mean(A=a, B=b) - grand) ** 2 for a in ("a1", "a2", "a3") for b in ("b1", "b2")
    )
    ss_res = float(((y - grand) ** 2).sum()) - ss_cells
    rows = {row.source: row for row in table.rows}
    assert math.isclose(rows["A"].ss, ss_a, rel_tol=1e-9) and rows["A"].df == 2
    assert math.isclose(rows["B"].ss, ss_b, rel_tol=1e-9) and rows["B"].df == 1
    assert math.isclose(rows["A × B"].ss, ss_cells - ss_a - ss_b, rel_tol=1e-9)
    assert math.isclose(rows["residual"].ss, ss_res, rel_tol=1e-9) and rows["residual"].df == 24
    f_b = ss_b / (ss_res / 24)
    assert math.isclose(rows["B"].f or 0.0, f_b, rel_tol=1e-9)
    assert rows["B"].p is not None and rows["B"].p < 1e-3  # a shift of 2 SDs is found
    # Zero within-cell variance: F is undefined and says why, not a division by zero.
    flat = [{"A": r["A"], "B": r["B"], "y": 1.0 if r["A"] == "a1" else 2.0} for r in runs]
    degenerate = two_way_anova(flat, "y", "A", "B")
    assert degenerate.note and all(row.f is None for row in degenerate.rows)


def test_wilson_interval_of_a_proportion() -> None:
    e = wilson(10, 10)
    assert e.mean == 1.0 and math.isclose(e.high, 1.0) and 0.72 < e.low < 0.73
    e = wilson(5, 10)
    assert math.isclose(e.low, 1 - e.high, rel_tol=1e-9) and 0.23 < e.low < 0.24


# ---- running -------------------------------------------------------------------------------


def test_grid_runs_in_parallel_skips_finished_runs_and_is_deterministic(tmp_path: Path) -> None:
    experiment = load_experiment(small_experiment(tmp_path))
    two = run_experiment(experiment, tmp_path / "two", LocalExecutor(2))
    assert len(two.jobs) == 8 and len(two.succeeded) == 8 and not two.failed
    run_experiment(experiment, tmp_path / "one", LocalExecutor(1))
    assert metrics_by_run(tmp_path / "two") == metrics_by_run(tmp_path / "one")
    assert len(metrics_by_run(tmp_path / "one")) == 8

    again = run_experiment(experiment, tmp_path / "two", LocalExecutor(2))
    assert len(again.skipped) == 8 and again.ran == []

    result = analyse(experiment, again.jobs, tmp_path / "two")
    assert [c.key for c in result.cells] == [c.name for c in experiment.cells]
    assert all(c.n == 2 and c.estimates["survival_time"] is not None for c in result.cells)
    rounds = {(r["run_id"], r["round"]) for r in result.data.rounds}
    assert len(rounds) == sum(r["rounds_completed"] for r in result.data.runs)
    assert all(t.subset == {} for t in result.anovas)  # two factors: one table per response
    assert {t.response for t in result.anovas} == {"survival_time", "gain_total"}
    for stem in ("runs", "rounds"):
        assert (tmp_path / "two/results" / f"{stem}.csv").is_file()
        assert (tmp_path / "two/results" / f"{stem}.parquet").is_file()
    import pyarrow.parquet as pq

    assert pq.read_table(tmp_path / "two/results/runs.parquet").num_rows == 8
    for name in ("stock", "survival", "harvest_vs_sustainable", "norm_threshold", "punishment"):
        for fmt in ("png", "svg"):
            assert (tmp_path / "two/results/plots" / f"{name}.{fmt}").stat().st_size > 1000
    assert "norm_similarity" in result.plots  # voting is on in the 'full' arm


_FLAKY_MARKS = "flaky-marks"


def flaky(job: Job) -> JobOutcome:
    """Fails the first attempt of seed 0's runs (half-writing their folder), and every attempt
    of cell small-scarce-neither seed 1."""
    if job.cell == "small-scarce-neither" and job.seed == 1:
        return JobOutcome(job, False, error="RuntimeError: always broken")
    marks = Path(job.runs_dir).parent / _FLAKY_MARKS
    marks.mkdir(exist_ok=True)
    mark = marks / job.run_id
    if job.seed == 0 and not mark.exists():
        mark.touch()
        job.run_dir.mkdir(parents=True)
        (job.run_dir / "events.jsonl").write_text("{half")
        return JobOutcome(job, False, error="RuntimeError: flaky")
    return run_job(job)


def test_a_failed_run_is_retried_and_a_broken_one_reported_without_stopping_the_rest(
    tmp_path: Path,
) -> None:
    experiment = load_experiment(small_experiment(tmp_path))
    out = tmp_path / "out"
    state = run_experiment(experiment, out, LocalExecutor(2), retries=1, runner=flaky)
    assert [o.job.run_id for o in state.failed] == [
        j.run_id for j in state.jobs if j.cell == "small-scarce-neither" and j.seed == 1
    ]
    assert len(metrics_by_run(out)) == 7  # every other run finished, flaky ones on retry
    retried = [o for o in state.ran if o.ok and o.job.attempt == 2]
    assert sorted(o.job.seed for o in retried) == [0, 0, 0, 0]
    aside = sorted(p.name for p in (out / RUNS_DIR / ASIDE_DIR).iterdir())
    assert len(aside) == 4 and all(".failed-attempt1-1" in name for name in aside)


def test_cli_kill_halfway_then_restart_runs_only_the_missing_runs(tmp_path: Path) -> None:
    path = small_experiment(tmp_path, seeds=3, rounds=6)
    out = tmp_path / "out"
    args = [sys.executable, "-m", "society", "experiment", str(path), "--out", str(out)]
    process = subprocess.Popen(
        [*args, "--workers", "1", "--quiet"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own process group: the kill takes the workers too
    )
    try:
        deadline = time.monotonic() + 300
        while len(metrics_by_run(out)) < 4 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    finished = set(metrics_by_run(out))
    assert 4 <= len(finished) < 12
    before = {name: json.dumps(m, sort_keys=True) for name, m in metrics_by_run(out).items()}

    result = society(*args[3:], "--workers", "2")
    assert result.returncode == 0, result.stderr
    assert f"{len(finished)} runs already finished: skipped" in result.stderr
    assert f"{12 - len(finished)} runs done, {len(finished)} skipped, 0 failed" in result.stdout
    after = metrics_by_run(out)
    assert len(after) == 12 and not any(name.endswith("-2") for name in after)
    # A run cut short by the kill was resumed from its last completed round, in its folder,
    # and ended exactly as an uninterrupted run of that cell and seed.
    resumed = [
        line.rsplit(": ", 1)[1]
        for line in result.stderr.splitlines()
        if line.startswith("interrupted run, resuming")
    ]
    assert len(resumed) <= 1
    for folder in map(Path, resumed):
        too_early = any((out / RUNS_DIR / ASIDE_DIR).glob(f"{folder.name}.unresumable-*"))
        assert (folder / "resumes.jsonl").is_file() or too_early, result.stderr
        config = yaml.safe_load((folder / "scenario.yaml").read_text())
        scenario = Scenario.model_validate(config, context={"personas": list(config["personas"])})
        rerun = run_society_sync(scenario, tmp_path / "fresh")
        assert (rerun.run_dir / "events.jsonl").read_bytes() == (
            folder / "events.jsonl"
        ).read_bytes()
    # Finished runs were not touched.
    assert all(json.dumps(after[n], sort_keys=True) == before[n] for n in finished)
    summary = (out / "summary.md").read_text()
    assert "| rich | full | 3 |" in summary and "## Two-way ANOVA (resource × ablation)" in summary
    assert f"- Command: `society experiment {path} --out {out} --workers 2`" in summary
    assert "- Seeds: 0, 1, 2" in summary and "society 0.1.0, python 3." in summary
    assert "![survival](results/plots/survival.png)" in summary


# ---- LLM minds, replayed -------------------------------------------------------------------

LLM_GRID = """\
name: llm
scenario: {base}
seeds: 2
overrides:
  rounds: 3
  memory: {{enabled: false}}
  llm:
    prices: {{currency: USD, models: {{"openai:model-a": {{input: 1.0, output: 2.0}}, "openai:model-b": {{input: 3.0, output: 4.0}}}}}}
  population: [{{name: villagers, count: 3}}]
grid:
  resource:
    rich: {{}}
    scarce: {{scenario: {scarce}}}
  model:
    a: {{model: {{name: "openai:model-a", base_url: "http://127.0.0.1:9/v1", backoff_s: 0}}}}
    b: {{model: {{name: "openai:model-b", base_url: "http://127.0.0.1:9/v1", backoff_s: 0}}}}
"""


def scripted_factory(spec: ModelSpec) -> ScriptedChatModel:
    """model-a takes little, model-b a lot; by round, so runs differ over time."""
    greedy = spec.name.endswith("model-b")

    def reply(request: ScriptedRequest) -> str:
        effort = (0.6 if greedy else 0.1) + 0.05 * request.round
        return json.dumps({"effort": round(effort, 2), "rationale": f"round {request.round}"})

    return ScriptedChatModel(responder=reply, usage=(120, 30))


def test_replay_backed_llm_experiment_runs_offline(tmp_path: Path) -> None:
    path = tmp_path / "llm.yaml"
    path.write_text(LLM_GRID.format(base=BASE, scarce=SCENARIOS / "paper" / "_scarce.yaml"))
    experiment = load_experiment(path)
    store = tmp_path / "store"
    recorded = run_experiment(
        experiment,
        tmp_path / "recorded",
        LocalExecutor(1),
        record=store,
        chat_model_factory=scripted_factory,
    )
    assert len(recorded.succeeded) == 8 and not recorded.failed

    # No factory, no server (the base_url is a closed port): every reply comes from the store.
    result = society(
        "experiment", str(path), "--out", str(tmp_path / "replayed"), "--replay", str(store)
    )
    assert result.returncode == 0, result.stderr
    original, replayed = (
        metrics_by_run(tmp_path / "recorded"),
        metrics_by_run(tmp_path / "replayed"),
    )
    assert replayed == original and len(replayed) == 8
    assert all(m["llm"]["calls"] == 9 for m in replayed.values())  # 3 agents × 3 rounds

    runs = {
        r["run_id"]: r
        for r in analyse(
            experiment, plan_jobs(experiment, tmp_path / "replayed"), tmp_path / "replayed"
        ).data.runs
    }
    assert {r["models"] for r in runs.values()} == {"openai:model-a", "openai:model-b"}
    summary = (tmp_path / "replayed/summary.md").read_text()
    assert "| openai:model-a | 4 |" in summary and "| openai:model-b | 4 |" in summary
    tokens = {r["models"]: r["tokens"] for r in runs.values()}
    assert tokens["openai:model-a"] == 9 * 150
    costs = {r["models"]: r["cost"] for r in runs.values()}
    assert math.isclose(costs["openai:model-b"], 9 * (120 * 3.0 + 30 * 4.0) / 1e6)
    gains = {m: [r["gain_total"] for r in runs.values() if r["models"] == m] for m in costs}
    assert min(gains["openai:model-b"]) > max(gains["openai:model-a"])

    # A request that was never recorded is a failed run with the replay's reason, not a crash.
    missing = society(
        "experiment",
        str(path),
        "--out",
        str(tmp_path / "miss"),
        "--replay",
        str(tmp_path / "none"),
        "--retries",
        "0",
    )
    assert (
        missing.returncode == 1 and "FAILED" in missing.stderr and "Traceback" not in missing.stderr
    )


# ---- Ray -----------------------------------------------------------------------------------


def test_ray_not_installed_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from society.experiments import ExecutorError, RayExecutor

    monkeypatch.setitem(sys.modules, "ray", None)  # import ray fails as if not installed
    experiment = load_experiment(small_experiment(tmp_path, seeds=1))
    with pytest.raises(ExecutorError, match=r"pip install -e '\.\[ray\]'"):
        run_experiment(experiment, tmp_path / "out", RayExecutor(1))


@pytest.mark.ray
def test_ray_local_mode_gives_the_same_runs_as_local_processes(tmp_path: Path) -> None:
    pytest.importorskip(
        "ray", reason="Ray is an extra (pip install -e '.[ray]'): not in the test install"
    )
    from society.experiments import RayExecutor

    experiment = load_experiment(small_experiment(tmp_path, seeds=1, rounds=3))
    state = run_experiment(experiment, tmp_path / "ray", RayExecutor(workers=2))
    assert len(state.succeeded) == 4 and not state.failed
    run_experiment(experiment, tmp_path / "local", LocalExecutor(2))
    assert metrics_by_run(tmp_path / "ray") == metrics_by_run(tmp_path / "local")


def test_validate_checks_experiment_files_too(tmp_path: Path) -> None:
    shipped = sorted((SCENARIOS / "experiments").glob("*.yaml"))
    ok = society("validate", *map(str, shipped))
    assert ok.returncode == 0, ok.stderr
    assert "experiment paper-grid, 16 cells, 160 runs" in ok.stdout
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        f"name: x\nscenario: {SCENARIOS / 'demo.yaml'}\nseeds: 2\n"
        "grid:\n  speed:\n    slow: {rounds: -1}\n"
    )
    bad = society("validate", str(broken))
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert "broken.yaml:6: rounds" in bad.stderr and "(cell" in bad.stderr


def test_a_folder_killed_before_its_first_checkpoint_is_redone_and_said_so(
    tmp_path: Path,
) -> None:
    from dataclasses import replace

    from society.experiments import plan_jobs, run_job

    experiment = load_experiment(small_experiment(tmp_path, seeds=1, rounds=3))
    job = replace(plan_jobs(experiment, tmp_path / "out")[0], resume=True)
    job.run_dir.mkdir(parents=True)
    (job.run_dir / "scenario.yaml").write_text("half written")  # no round log, no events
    outcome = run_job(job)
    assert outcome.ok and outcome.note is not None
    assert "could not resume" in outcome.note and "run from the start" in outcome.note
    assert list((tmp_path / "out" / RUNS_DIR / ASIDE_DIR).glob(f"{job.run_id}.unresumable-*"))
    assert (job.run_dir / METRICS_FILE).is_file()
