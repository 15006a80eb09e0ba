"""Rule minds act on what they remember of their peers: whom they inspect."""

from __future__ import annotations

import random
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from conftest import scenario

from society.coordinator.runner import RunResult, run_society_sync
from society.games.commons.events import HarvestResolved
from society.games.commons.metrics import RunMetrics
from society.games.commons.recall import COMPLIANCE, VIOLATION
from society.games.commons.rules import inspection_target, remembered_violators
from society.transcript import Decision, MemoryRetrieved, read_events

PEERS = ["a", "b", "c", "d", "e", "f"]


def recalled(about: str | None, tags: list[str], round_: int = 1) -> dict[str, Any]:
    return {"round": round_, "kind": "observation", "text": "...", "about": about, "tags": tags}


def view(monitor: float = 1.0) -> Any:
    return SimpleNamespace(strategy=SimpleNamespace(monitor=monitor))


def test_remembered_violators_are_tagged_candidates_with_their_rounds() -> None:
    memories = [
        recalled("b", [VIOLATION], 3),
        recalled("b", [VIOLATION], 1),
        recalled("c", [COMPLIANCE]),
        recalled("zed", [VIOLATION]),  # not inspectable now (excluded or gone)
        recalled(None, []),
    ]
    assert remembered_violators(memories, PEERS) == {"b": [1, 3]}


def test_the_newest_memory_of_a_peer_decides() -> None:
    reformed = [recalled("b", [VIOLATION], 1), recalled("b", [COMPLIANCE], 2)]
    relapsed = [*reformed, recalled("b", [VIOLATION], 4)]
    assert remembered_violators(reformed, PEERS) == {}
    assert remembered_violators(relapsed, PEERS) == {"b": [1, 4]}


def test_a_remembered_violator_is_inspected_with_the_bias() -> None:
    context = {
        "inspectable": PEERS,
        "target_suspects": 1.0,
        "memories": [recalled("e", [VIOLATION])],
    }
    for seed in range(20):
        target, why = inspection_target(view(), context, random.Random(seed))
        assert target == "e"
        assert "remembered over the limit (round 1)" in why


def test_without_suspects_or_bias_the_target_is_the_papers_random_draw() -> None:
    plain = {"inspectable": PEERS, "target_suspects": 1.0}
    unbiased = {**plain, "target_suspects": 0.0, "memories": [recalled("e", [VIOLATION])]}
    targets = set()
    for seed in range(40):
        expected = random.Random(seed)
        assert expected.random() < 1.0
        paper = expected.choice(PEERS)
        for context in (plain, unbiased):
            assert inspection_target(view(), context, random.Random(seed)) == (paper, "")
        targets.add(paper)
    assert len(targets) > 3  # random, not fixed


def test_no_inspection_without_the_propensity() -> None:
    context = {
        "inspectable": PEERS,
        "target_suspects": 1.0,
        "memories": [recalled("e", [VIOLATION])],
    }
    assert inspection_target(view(monitor=0.0), context, random.Random(1)) == (None, "")


def run_society_of(tmp_path: Path, bias: float, seed: int) -> RunResult:
    s = scenario(
        "demo.yaml",
        rounds=15,
        seed=seed,
        institutions={
            "monitoring": {"enabled": True, "target_suspects": bias},
            "gossip": {"enabled": True},
            "sanctions": {"enabled": True},
        },
    )
    return run_society_sync(s, tmp_path / f"b{bias}-s{seed}")


def run_events(tmp_path: Path, bias: float, seed: int) -> list[Any]:
    return list(read_events(run_society_of(tmp_path, bias, seed).run_dir))


def run_metrics(tmp_path: Path, bias: float, seed: int) -> RunMetrics:
    return run_society_of(tmp_path, bias, seed).metrics


def test_rule_agents_inspect_the_violators_their_memories_name(tmp_path: Path) -> None:
    targeted = 0
    for seed in (1, 2):
        events = run_events(tmp_path, 1.0, seed)
        harvesters = {e.round: set(e.harvested) for e in events if isinstance(e, HarvestResolved)}
        recalls = {
            (e.agent, e.round): e
            for e in events
            if isinstance(e, MemoryRetrieved) and e.phase == "harvest"
        }
        for e in events:
            if not (isinstance(e, Decision) and e.phase == "harvest" and e.decision["inspect"]):
                continue
            memories = [m.model_dump() for m in recalls[(e.agent, e.round)].items]
            inspectable = [p for p in harvesters[e.round] if p != e.agent]
            suspects = remembered_violators(memories, inspectable)
            if suspects:
                # Bias 1: whenever memory names a violator it can inspect, it inspects one.
                assert e.decision["inspect"] in suspects
                assert "remembered over the limit" in e.decision["rationale"]
                targeted += 1
    assert targeted >= 5


def test_memory_guided_monitoring_deters_more(tmp_path: Path) -> None:
    """Same seeds and propensities: inspecting the peers memory names as violators gets them
    sanctioned again, and they cut back (rule learning), so more harvests keep within the norm
    than under the paper's random inspection. (Per inspection it catches fewer: the suspects
    have often reformed already.)"""
    cooperation = {}
    for bias in (0.0, 1.0):
        rates = [
            run_metrics(tmp_path, bias, seed).governance.cooperation_rate for seed in (1, 2, 3)
        ]
        cooperation[bias] = sum(r or 0.0 for r in rates) / len(rates)
    assert cooperation[1.0] > cooperation[0.0] + 0.02
