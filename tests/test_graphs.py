"""Snapshot the shape of both graphs, so a change to either is a reviewed change."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import scenario

from society.agents.graph import AgentTurns, build_agent_graph
from society.agents.rule_mind import RulesMind
from society.coordinator.deps import CoordinatorDeps
from society.coordinator.runner import agents_of
from society.core.registry import game_of
from society.core.round_graph import build_round_graph
from society.transcript import TranscriptWriter

SNAPSHOTS = Path(__file__).parent / "snapshots"


def check_snapshot(name: str, text: str) -> None:
    path = SNAPSHOTS / name
    if os.environ.get("SOCIETY_UPDATE_SNAPSHOTS") or not path.exists():
        if os.environ.get("CI"):
            pytest.fail(
                f"snapshot {name} is missing; run the tests locally with SOCIETY_UPDATE_SNAPSHOTS=1"
            )
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), (
        f"graph shape changed: update {path} if intended"
    )


def test_agent_graph_shape() -> None:
    graph = build_agent_graph({}, {})
    check_snapshot("agent_graph.mmd", graph.get_graph().draw_mermaid())


@pytest.mark.parametrize(
    ("name", "institutions"),
    [
        ("round_graph.mmd", {}),
        (
            "round_graph_full.mmd",
            {
                "monitoring": {"enabled": True},
                "gossip": {"enabled": True},
                "sanctions": {"enabled": True},
                "voting": {"enabled": True},
                "social_learning": {"enabled": True},
            },
        ),
    ],
)
def test_round_graph_shape(name: str, institutions: dict, tmp_path: Path) -> None:
    s = scenario("demo.yaml", institutions=institutions)
    agents = agents_of(s)
    minds = {a.id: RulesMind() for a in agents}
    game = game_of(s)
    with TranscriptWriter(tmp_path, "snapshot") as writer:
        deps = CoordinatorDeps(
            scenario=s,
            agent_turns=AgentTurns(minds, game.phases(s)),
            writer=writer,
            personas={a.id: "" for a in agents},
            mind_sources={a.id: "rules" for a in agents},
        )
        graph = build_round_graph(game, deps)
        check_snapshot(name, graph.get_graph().draw_mermaid())
