"""A game written outside society (tests/plugins/coin_game), registered through the
`society.games` entry point, runs through the CLI and passes the conformance kit: the core
knows no game. (The dist-info folder beside the package is what `pip install` would write.)"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from society.core import registry
from society.testing import check_game

PLUGIN = Path(__file__).parent / "plugins" / "coin_game"


@pytest.fixture
def coin_installed(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.syspath_prepend(str(PLUGIN))
    paths = [str(PLUGIN), *filter(None, [os.environ.get("PYTHONPATH")])]
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(paths))
    monkeypatch.setattr(registry.GAMES, "_sources", None)  # look the entry points up again
    monkeypatch.setattr(registry.GAMES, "_entries", {})
    yield


def society(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "society", *args], capture_output=True, text=True, check=False
    )


def test_the_entry_point_registers_the_game(coin_installed: None) -> None:
    assert "coin" in registry.GAMES.names()
    assert registry.GAMES.get("coin").name == "coin"


def test_the_cli_runs_inspects_and_reports_it(coin_installed: None, tmp_path: Path) -> None:
    assert society("validate", str(PLUGIN / "coin.yaml")).returncode == 0
    done = society("run", str(PLUGIN / "coin.yaml"), "--out", str(tmp_path), "--quiet")
    assert done.returncode == 0, done.stderr
    (run_dir,) = [p for p in tmp_path.iterdir() if p.is_dir()]
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics["rounds_completed"] == 6 and 0.0 < metrics["accuracy"] <= 1.0
    shown = society("inspect", str(run_dir), "--round", "2")
    assert shown.returncode == 0, shown.stderr
    assert "coin_tossed: outcome=" in shown.stdout
    report = society("report", str(run_dir))
    assert report.returncode == 0, report.stderr
    assert (run_dir / "report.html").stat().st_size > 1000


def test_the_factor_changes_the_outcome(coin_installed: None, tmp_path: Path) -> None:
    from society.coordinator.runner import run_society_sync
    from society.scenario import load_scenario

    accuracy = {}
    for heads in (0.0, 1.0):
        s = load_scenario(PLUGIN / "coin.yaml", {"coin": {"heads": heads}, "rounds": 20})
        accuracy[heads] = run_society_sync(s, tmp_path / str(heads)).metrics.accuracy
    # Hunch players call heads 80% of the time: an all-heads coin suits them.
    assert accuracy[1.0] > accuracy[0.0] + 0.2


def test_it_passes_the_conformance_kit(coin_installed: None, tmp_path: Path) -> None:
    from society.scenario import load_scenario

    report = check_game(load_scenario(PLUGIN / "coin.yaml"), tmp_path, kills=2, seed=1)
    assert "coin_tossed" in report.kinds and report.phases_rendered == {"call"}


def test_an_unknown_game_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_text("game: chess\nname: x\npopulation: [{name: a, count: 2}]\n")
    done = society("validate", str(path))
    assert done.returncode == 2
    assert f"{path}:1: game: unknown game 'chess'; known: commons" in done.stderr
