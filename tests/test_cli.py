"""The command line: run, metrics and inspect on real runs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from conftest import ROOT


def society(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "society", *args], capture_output=True, text=True, timeout=300
    )


def test_run_metrics_and_inspect(tmp_path: Path) -> None:
    done = society(
        "run", str(ROOT / "scenarios/demo.yaml"), "--rounds", "4", "--out", str(tmp_path)
    )
    assert done.returncode == 0, done.stderr
    assert "Running without an LLM" in done.stderr
    assert "survival time" in done.stdout and "equality" in done.stdout
    (run_dir,) = list(tmp_path.iterdir())
    assert {p.name for p in run_dir.iterdir()} >= {
        "events.jsonl",
        "scenario.yaml",
        "metrics.json",
        "timings.jsonl",
    }
    before = json.loads((run_dir / "metrics.json").read_text())
    (run_dir / "metrics.json").unlink()

    recomputed = society("metrics", str(run_dir))
    assert recomputed.returncode == 0, recomputed.stderr
    assert json.loads((run_dir / "metrics.json").read_text()) == before

    inspected = society("inspect", str(run_dir), "--agent", "selfish-1", "--round", "1")
    assert inspected.returncode == 0, inspected.stderr
    assert "selfish-1" in inspected.stdout and "habitual effort 0.60" in inspected.stdout


def test_runs_never_overwrite_each_other(tmp_path: Path) -> None:
    for _ in range(2):
        assert (
            society(
                "run",
                str(ROOT / "scenarios/demo.yaml"),
                "--rounds",
                "1",
                "--out",
                str(tmp_path),
                "--quiet",
            ).returncode
            == 0
        )
    names = sorted(p.name for p in tmp_path.iterdir())
    assert len(names) == 2 and names[1] == names[0] + "-2"


def test_inspect_rejects_a_folder_that_is_not_a_run(tmp_path: Path) -> None:
    done = society("inspect", str(tmp_path))
    assert done.returncode == 2
    assert "no events.jsonl" in done.stderr and "Traceback" not in done.stderr


def test_missing_provider_package_names_the_extra(tmp_path: Path) -> None:
    done = society(
        "run",
        str(ROOT / "scenarios/demo.yaml"),
        "--model",
        "anthropic:claude-sonnet-4-5",
        "--out",
        str(tmp_path),
    )
    assert done.returncode == 2
    # This checkout is an editable install: the hint installs the extra from it.
    assert f"pip install -e '{ROOT}[anthropic]'" in done.stderr
    assert "0/30" not in done.stderr  # no progress bar before the setup error
    assert "Traceback" not in done.stderr
