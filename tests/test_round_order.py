"""The round is data: a scenario's `round:` list reorders, drops or inserts the game's phases,
checked against what each phase needs, and the coordinator graph follows it."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from conftest import EVERY_INSTITUTION, SCENARIOS, scenario

from society.coordinator.runner import run_society_sync
from society.core.registry import game_of
from society.scenario import ScenarioError, load_scenario
from society.transcript import Decision, read_events

FULL = ["harvest", "respond", "settle", "propose", "vote", "learn", "regrow"]


def _file(tmp_path: Path, round_list: list[str]) -> Path:
    path = tmp_path / "ordered.yaml"
    body = {
        "extends": str(SCENARIOS / "demo.yaml"),
        "name": "ordered",
        "institutions": EVERY_INSTITUTION,
        "round": round_list,
    }
    path.write_text(yaml.safe_dump(body, sort_keys=False), encoding="utf-8")
    return path


def test_the_default_round_is_the_enabled_phases() -> None:
    s = scenario("demo.yaml", institutions=EVERY_INSTITUTION)
    assert [p.name for p in game_of(s).round_phases(s)] == FULL


def test_a_reordered_round_runs_in_that_order(tmp_path: Path) -> None:
    # Vote on the norm before learning and before consumption is settled.
    order = ["harvest", "respond", "propose", "vote", "settle", "learn", "regrow"]
    s = load_scenario(_file(tmp_path, order), {"rounds": 2})
    assert [p.name for p in game_of(s).round_phases(s)] == order
    events = list(read_events(run_society_sync(s, tmp_path / "runs").run_dir))
    kinds = [e.kind for e in events if e.round == 1]
    assert kinds.index("norm_adopted") < kinds.index("payoffs_settled")
    phases = [e.phase for e in events if isinstance(e, Decision) and e.round == 1]
    assert phases.index("vote") < phases.index("learn")


def test_a_dropped_phase_does_not_run(tmp_path: Path) -> None:
    order = ["harvest", "settle", "propose", "vote", "regrow"]
    s = load_scenario(_file(tmp_path, order), {"rounds": 2})
    events = list(read_events(run_society_sync(s, tmp_path / "runs").run_dir))
    assert not [e for e in events if isinstance(e, Decision) and e.phase in {"respond", "learn"}]
    assert any(e.kind == "norm_adopted" for e in events)


def test_an_inserted_phase_runs_although_its_institution_is_off(tmp_path: Path) -> None:
    """`round:` may add a phase the switches leave out (here the town hall's)."""
    order = ["harvest", "town_hall", "speak", "summarize", "settle", "regrow"]
    path = tmp_path / "hall.yaml"
    path.write_text(
        yaml.safe_dump(
            {"extends": str(SCENARIOS / "demo.yaml"), "name": "hall", "round": order}
        ),
        encoding="utf-8",
    )
    s = load_scenario(path, {"rounds": 1})
    events = list(read_events(run_society_sync(s, tmp_path / "runs").run_dir))
    assert any(e.kind == "town_hall_opened" for e in events)
    assert any(e.kind == "agreement" for e in events)


@pytest.mark.parametrize(
    ("order", "index", "message"),
    [
        (["harvest", "settel", "regrow"], 1, "game 'commons' has no phase 'settel'"),
        (["settle", "vote", "regrow"], 1, "phase 'vote' needs ballot, which no earlier phase produces (put it after propose)"),
        (["harvest", "settle", "regrow", "learn"], 3, "the last phase closes the round"),
        (["harvest", "harvest", "regrow"], 1, "phase 'harvest' appears twice"),
        (["reflect", "regrow"], 0, "has no phase 'reflect'"),
    ],
)
def test_a_wrong_round_is_an_error_at_its_line(
    tmp_path: Path, order: list[str], index: int, message: str
) -> None:
    path = _file(tmp_path, order)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    (line,) = caught.value.lines
    number = path.read_text().splitlines().index("round:") + 2 + index
    assert line.startswith(f"{path}:{number}: round[{index}]: "), line
    assert message in line


def test_a_round_list_is_part_of_the_resolved_scenario(tmp_path: Path) -> None:
    order = ["harvest", "settle", "regrow"]
    s = load_scenario(_file(tmp_path, order))
    assert s.model_dump(mode="json")["round"] == order
    assert "round" not in scenario("demo.yaml").model_dump(mode="json")
