"""The `information:` section: what agents are told is scenario data (docs/mechanics.md §8),
and GovSim's outsider experiment runs as GovSim ran it."""

from __future__ import annotations

from pathlib import Path

from conftest import SCENARIOS

from society.coordinator.runner import run_society_sync
from society.games.commons import dynamics
from society.games.commons.events import HarvestResolved
from society.games.commons.scenario import Scenario
from society.scenario import load_scenario
from society.transcript import read_events


def test_a_scenario_without_the_section_dumps_as_before() -> None:
    paper = load_scenario(SCENARIOS / "paper/rich-selfish.yaml")
    assert isinstance(paper, Scenario)
    assert paper.information.payoff == "hidden" and not paper.information.dynamics
    assert "information" not in paper.model_dump(mode="json")


def test_the_govsim_presets_tell_what_govsim_tells() -> None:
    for name in ("fishery", "pasture", "pollution", "fishery-universalization"):
        told = load_scenario(SCENARIOS / f"govsim/{name}.yaml").information
        assert (told.dynamics, told.payoff, told.goal, told.others_actions) == (
            True,
            "per_unit",
            "long_run_income",
            True,
        ), name
    silent = load_scenario(SCENARIOS / "govsim/fishery-no-communication.yaml")
    assert not silent.institutions.town_hall.enabled and not silent.information.others_actions


def test_universalization_is_govsims_integer_threshold() -> None:
    fishery = load_scenario(SCENARIOS / "govsim/fishery.yaml").commons
    threshold = dynamics.universalization_threshold
    assert threshold(100, fishery, 5, whole_units=True) == 10
    assert threshold(99, fishery, 5, whole_units=True) == 9  # ⌊⌊99/2⌋/5⌋ = ⌊49/5⌋
    assert threshold(47, fishery, 4, whole_units=True) == 5  # ⌊23/4⌋
    assert threshold(99, fishery, 5, whole_units=False) == 9.9  # f(t)/N for continuous harvests


def test_the_outsider_experiment_as_govsim_runs_it(tmp_path: Path) -> None:
    """Four fishers for 15 months; the outsider's first catch is in month 4."""
    scenario = load_scenario(SCENARIOS / "govsim/fishery-greedy-newcomer.yaml", {"rounds": 5})
    full = load_scenario(SCENARIOS / "govsim/fishery-greedy-newcomer.yaml")
    assert full.rounds == 15
    assert [(g.name, g.count, g.joins_at) for g in full.population] == [
        ("fishers", 4, 1),
        ("newcomer", 1, 4),
    ]
    events = read_events(run_society_sync(scenario, tmp_path).run_dir)
    catchers = {e.round: set(e.harvested) for e in events if isinstance(e, HarvestResolved)}
    assert all("newcomer-1" not in catchers[r] and len(catchers[r]) == 4 for r in (1, 2, 3))
    assert "newcomer-1" in catchers[4] and len(catchers[4]) == 5
