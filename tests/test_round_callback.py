"""`on_round_finished` reports every finished round exactly once, in order, for every game,
fresh and resumed (the commons used to report its round twice: its regrowth and the round
graph's closing node)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from conftest import EVERY_INSTITUTION, scenario

from society.coordinator.resume import resume_society
from society.coordinator.runner import RunControl, run_society_sync

GAMES = [
    ("demo.yaml", {"institutions": EVERY_INSTITUTION}),
    ("govsim/fishery.yaml", {}),
    ("donor/none.yaml", {}),
    ("matrix/tournament.yaml", {}),
    ("public_goods/fehr-gaechter-punishment.yaml", {}),
]


@pytest.mark.parametrize(("relative", "overrides"), GAMES, ids=[g[0] for g in GAMES])
def test_each_round_is_reported_once(
    tmp_path: Path, relative: str, overrides: dict[str, object]
) -> None:
    s = scenario(relative, rounds=4, seed=3, **overrides)
    reported: list[int] = []
    result = run_society_sync(
        s, tmp_path / "run", on_round_finished=lambda number, _headline: reported.append(number)
    )
    assert reported == list(range(1, result.metrics.rounds_completed + 1))
    assert reported  # the run played rounds, so the check above could fail


def test_a_resumed_run_reports_its_remaining_rounds_once(tmp_path: Path) -> None:
    s = scenario("demo.yaml", rounds=5, seed=3, institutions=EVERY_INSTITUTION)
    control = RunControl()
    before: list[int] = []

    def stop_at_two(number: int, _headline: float) -> None:
        before.append(number)
        if number == 2:
            control.request_stop()

    stopped = run_society_sync(s, tmp_path / "run", control=control, on_round_finished=stop_at_two)
    after: list[int] = []
    finished = asyncio.run(
        resume_society(
            stopped.run_dir, on_round_finished=lambda number, _headline: after.append(number)
        )
    )
    assert finished.metrics.rounds_completed == 5
    assert (before, after) == ([1, 2], [3, 4, 5])
