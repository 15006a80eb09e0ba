"""Every shipped scenario runs a few rounds with rule-based agents, with its invariants held."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import SCENARIOS

from society.analysis.metrics_file import split_metrics
from society.coordinator.runner import run_society_sync
from society.games.commons.events import (
    HarvestResolved,
    PayoffsSettled,
    Regrowth,
    RoundFinished,
    RoundStarted,
)
from society.games.commons.metrics import compute_metrics
from society.scenario import load_scenario
from society.transcript import Decision, RunFinished, RunStarted, read_events

# Experiment files (scenarios/experiments/) are grids, not scenarios: tests/test_experiments.py.
# The donor game's scenarios (scenarios/donor/) have their own invariants: tests/test_donor_game.py;
# the public-goods game's (scenarios/public_goods/): tests/test_public_goods.py; the matrix
# game's (scenarios/matrix/): tests/test_matrix_game.py.
SHIPPED = sorted(
    p
    for p in SCENARIOS.rglob("*.yaml")
    if p.relative_to(SCENARIOS).parts[0] not in ("experiments", "donor", "public_goods", "matrix")
)


def test_there_are_shipped_scenarios() -> None:
    names = {p.relative_to(SCENARIOS).as_posix() for p in SHIPPED}
    assert {
        "paper/rich-altruistic.yaml",
        "paper/scarce-selfish.yaml",
        "govsim/fishery.yaml",
        "demo.yaml",
    } <= names


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.relative_to(SCENARIOS).as_posix())
def test_runs_three_rounds_with_invariants(path: Path, tmp_path: Path) -> None:
    s = load_scenario(path, {"rounds": 3})
    result = run_society_sync(s, tmp_path)
    events = list(read_events(result.run_dir))  # every line validates as a typed event

    assert [e.seq for e in events] == list(range(len(events)))
    assert {e.run_id for e in events} == {result.run_id}
    assert isinstance(events[0], RunStarted) and isinstance(events[-1], RunFinished)
    capacity = s.commons.capacity
    stocks = [e.stock for e in events if isinstance(e, RoundStarted)]
    assert stocks[0] == s.commons.start_stock
    for event in events:
        if isinstance(event, HarvestResolved):
            total = sum(event.harvested.values())
            assert total <= event.stock_before + 1e-9
            assert event.stock_after >= 0.0
            assert abs(event.stock_before - total - event.stock_after) < 1e-9
            for agent, amount in event.harvested.items():
                assert 0.0 <= amount <= event.requested[agent] + 1e-9
        elif isinstance(event, Regrowth):
            assert 0.0 <= event.stock_after <= capacity
            assert event.stock_after >= event.stock_before - 1e-9
        elif isinstance(event, RoundStarted):
            assert 0.0 <= event.stock <= capacity
        elif isinstance(event, PayoffsSettled):
            assert all(p >= 0 or a in event.starved for a, p in event.payoffs.items())
    rounds = [e for e in events if isinstance(e, RoundFinished)]
    assert len(rounds) == result.metrics.rounds_completed
    assert all(d.source == "rules" for d in events if isinstance(d, Decision))
    # Every alive, non-excluded agent decides its harvest once per round.
    harvest_decisions = [d for d in events if isinstance(d, Decision) and d.phase == "harvest"]
    assert len(harvest_decisions) == sum(
        len(e.alive) - len(e.excluded) for e in events if isinstance(e, RoundStarted)
    )
    on_disk = json.loads((result.run_dir / "metrics.json").read_text())
    # The game's metrics; registered extra metrics (e.g. per generation) sit under `extra`.
    own, _ = split_metrics(on_disk)
    assert own == compute_metrics(events).model_dump(mode="json")
    assert (result.run_dir / "scenario.yaml").is_file()
    assert load_scenario(result.run_dir / "scenario.yaml") == s
