"""Roles in the core: fixed per population group, written as events, recomputable from the
transcript, left out of every scenario and record that has none."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import scenario

from society.coordinator.runner import run_society_sync
from society.core import roles
from society.scenario import ScenarioError
from society.transcript import read_events
from society.transcript.events import CORE_KINDS, parse_event


class _Writer:
    def __init__(self) -> None:
        self.events: list[Any] = []

    def write(self, event: Any) -> None:
        # As the transcript's writer does: the core writes its kinds as plain payloads.
        self.events.append(parse_event({**event, "run_id": "r", "seq": 0}, CORE_KINDS))


class _Deps:
    def __init__(self, scenario: Any) -> None:
        self.scenario = scenario
        self.writer = _Writer()


def _record(group: str, joins_at: int = 1, alive: bool = True) -> dict[str, Any]:
    return {"group": group, "persona": "neutral", "joins_at": joins_at, "alive": alive}


def test_a_group_role_is_held_from_the_round_its_agents_join() -> None:
    s = scenario(
        "demo.yaml",
        population=[
            {"name": "wardens", "count": 1, "role": "monitor"},
            {"name": "late", "count": 1, "role": "monitor", "joins_at": 3},
            {"name": "plain", "count": 2},
        ],
    )
    deps = _Deps(s)
    state = {
        "round": 0,
        "agents": {
            "late-1": _record("late", 3),
            "plain-1": _record("plain"),
            "plain-2": _record("plain"),
            "wardens-1": _record("wardens"),
        },
    }
    update = roles.start_round(state, {"round": 1, "agents": state["agents"]}, deps)
    now = {**state, **update}
    assert roles.holders(now, "monitor") == ["wardens-1"]
    assert "roles" not in now["agents"]["plain-1"]
    assert "roles" not in state["agents"]["wardens-1"]  # the input is not changed
    later = {**now, **roles.start_round(now, {"round": 3, "agents": now["agents"]}, deps)}
    assert roles.holders(later, "monitor") == ["late-1", "wardens-1"]
    assert [(e.kind, e.agent, e.round) for e in deps.writer.events] == [
        ("role_assigned", "wardens-1", 1),
        ("role_assigned", "late-1", 3),
    ]
    assert roles.acting(later, "monitor", ["plain-1", "late-1"]) == ["late-1"]
    assert roles.acting(later, None, ["plain-1"]) == ["plain-1"]


def test_a_term_ends_at_the_start_of_the_round_after_its_last() -> None:
    s = scenario("demo.yaml")
    deps = _Deps(s)
    agents = {"a": _record("g"), "b": _record("g")}
    roles.assign(agents, "a", "leader", 1, 2, "elected", deps.writer)
    state = {"round": 2, "agents": agents}
    assert roles.holders(state, "leader") == ["a"]
    ended = roles.start_round(state, {"round": 3, "agents": agents}, deps)
    assert roles.holders({**state, **ended}, "leader") == []
    assert "roles" not in ended["agents"]["a"]
    assert deps.writer.events[-1].kind == "role_ended"
    assert deps.writer.events[-1].reason == "term"
    # Nobody holds a role and no group has one: the update is handed back untouched.
    update = {"round": 4, "agents": ended["agents"]}
    assert roles.start_round({**state, **ended}, update, deps) is update


def test_roles_are_recomputed_from_the_transcript(tmp_path: Path) -> None:
    s = scenario(
        "demo.yaml",
        rounds=3,
        population=[
            {"name": "wardens", "count": 1, "role": "monitor"},
            {"name": "plain", "count": 3},
        ],
    )
    events = read_events(run_society_sync(s, tmp_path).run_dir)
    [tenure] = roles.tenures(events, "monitor")
    assert (tenure.agent, tenure.since, tenure.until, tenure.how, tenure.ended) == (
        "wardens-1",
        1,
        None,
        "fixed",
        None,
    )
    rounds = sorted({e.round for e in events if e.kind == "round_started"})
    assert roles.holder_by_round(events, "monitor") == {r: ["wardens-1"] for r in rounds}


def test_a_group_without_a_role_dumps_as_before() -> None:
    s = scenario("demo.yaml")
    assert all("role" not in g for g in s.model_dump()["population"])
    with_role = scenario("demo.yaml", population=[{"name": "g", "count": 2, "role": "leader"}])
    assert with_role.model_dump()["population"][0]["role"] == "leader"


def test_a_bad_role_name_is_a_scenario_error() -> None:
    with pytest.raises(ScenarioError, match=r"population\[0\]\.role"):
        scenario("demo.yaml", population=[{"name": "g", "count": 2, "role": "Big Chief"}])
