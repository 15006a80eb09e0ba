"""Every registered institution module is importable and well-formed: its phases have nodes,
its `after` phase exists in each game it names, its prompts and event kinds exist, and it is
off by default (so adding it changes no resolved scenario)."""

from __future__ import annotations

import pytest

from society.core.institution import ROUND_START, Institution
from society.core.registry import INSTITUTIONS, game_named
from society.prompts import PromptLibrary
from society.transcript.events import kind_of

NAMES = INSTITUTIONS.names()
# The least each game's scenario needs besides a name and a population.
MINIMAL: dict[str, dict[str, object]] = {
    "matrix": {
        "matrix": {
            "actions": {"C": "C", "D": "D"},
            "payoffs": {"C": {"C": [3, 3], "D": [0, 5]}, "D": {"C": [5, 0], "D": [1, 1]}},
            "cooperate": "C",
            "defect": "D",
        },
        "population": [{"name": "g", "count": 2, "persona": "tit_for_tat"}],
    }
}


def test_there_is_at_least_one_institution_module() -> None:
    assert "appeals" in NAMES


@pytest.mark.parametrize("name", NAMES)
def test_an_institution_module_is_well_formed(name: str) -> None:
    institution = INSTITUTIONS.get(name)
    assert isinstance(institution, Institution) and institution.name == name
    # An institution adds phases, or rides on a turn of the game's or of another institution
    # (monitoring on the harvest, sanctions on the respond turn): then it brings events.
    assert institution.phases or institution.events, "an institution adds phases or events"
    for phase in institution.phases:
        assert phase.name and hasattr(phase, "node") and phase.node, phase
        assert phase.observation is not None or not phase.turns, phase.name
    section = institution.settings()
    assert section.enabled is False, "an institution is off unless a scenario switches it on"
    for game_name in institution.games:
        game = game_named(game_name)
        scenario = game.scenario_type.model_validate(
            {
                "name": "probe",
                "population": [{"name": "g", "count": 2}],
                **MINIMAL.get(game_name, {}),
            }
        )
        offered = game.phases(scenario)
        assert institution.after_for(game_name) in (*offered, ROUND_START)
        assert all(phase.name in offered for phase in institution.phases)
        written = list(scenario.model_dump().get("institutions", {}))  # matrix: left out while default
        if institution.dump_position is None:
            assert name not in written  # left out while default
        else:  # a section the game has always written keeps its place
            assert written.index(name) == institution.dump_position
    library = PromptLibrary()
    for prompt in institution.prompts:
        assert prompt in library.prompt_ids, f"missing prompts/{prompt}.j2"
    kinds = [kind_of(event) for event in institution.events]
    assert len(set(kinds)) == len(kinds)
    assert set(institution.memories) <= set(kinds)
    assert set(institution.describe) <= set(kinds)
