"""Agents' episodic memory through the real graphs: recall, remember, reflect, prompt budget."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from statistics import mean
from typing import Any

import pytest
from conftest import EVERY_INSTITUTION as GOVERNED
from conftest import scenario
from typer.testing import CliRunner

from memory import ChromaServer, MemoryStoreError, RetrievalWeights
from society.cli import app
from society.coordinator.runner import run_society, run_society_sync
from society.games.commons.events import NormAdopted
from society.testing import ScriptedChatModel, ScriptedRequest, effort_reply, governance_reply
from society.transcript import Event, LLMCall, MemoryRetrieved, ReflectionStored, read_events


def rule_run(tmp_path: Path, **overrides: Any) -> tuple[Path, list[Event]]:
    s = scenario("demo.yaml", **{"rounds": 6, "institutions": GOVERNED, **overrides})
    run_dir = run_society_sync(s, tmp_path).run_dir
    return run_dir, list(read_events(run_dir))


def recalls(events: list[Event]) -> list[MemoryRetrieved]:
    return [e for e in events if isinstance(e, MemoryRetrieved)]


@pytest.mark.parametrize(
    "weights",
    [{}, {"recency": 5.0, "importance": 0.0, "relevance": 0.0}, {"importance": 0.0}],
)
def test_recall_order_follows_the_weights(tmp_path: Path, weights: dict[str, float]) -> None:
    w = RetrievalWeights(**weights)
    _, events = rule_run(tmp_path, memory={"weights": weights})
    retrieved = recalls(events)
    assert retrieved and any(len(e.items) > 3 for e in retrieved)
    for event in retrieved:
        ranked = [m for m in event.items if not m.pinned]
        for m in event.items:
            expected = w.recency * m.recency + w.importance * m.importance
            expected += w.relevance * m.relevance
            assert m.score == pytest.approx(expected, abs=1e-5)
            assert m.recency == pytest.approx(w.decay ** (event.round - m.round), abs=1e-5)
        assert [m.score for m in ranked] == sorted((m.score for m in ranked), reverse=True)
        if weights.get("importance") == 0.0 and weights.get("relevance") == 0.0:
            assert [m.round for m in ranked] == sorted((m.round for m in ranked), reverse=True)


def test_pinned_norm_always_appears_and_follows_the_vote(tmp_path: Path) -> None:
    _, events = rule_run(tmp_path, rounds=8, seed=3)
    adopted = {e.round: e for e in events if isinstance(e, NormAdopted)}
    assert adopted, "the scenario should adopt a norm by vote"
    for event in recalls(events):
        norms = [m for m in event.items if m.kind == "norm"]
        assert len(norms) == 1 and norms[0].pinned
        after_vote = event.phase in ("learn", "reflect")
        seen = [r for r in adopted if r < event.round or (after_vote and r == event.round)]
        latest = max(seen, default=None)
        if latest is not None:  # the norm adopted last is the one pinned
            assert adopted[latest].text in norms[0].text
    # Every decision is preceded by what its agent recalled.
    decisions = [e for e in events if e.kind == "decision"]
    assert len(recalls(events)) == len(decisions)
    # Rule agents reflect at the end of every round.
    reflections = [e for e in events if isinstance(e, ReflectionStored)]
    assert {e.round for e in reflections} == set(range(1, 9))


def scripted_run(tmp_path: Path, rounds: int, **overrides: Any) -> tuple[Path, list[Event]]:
    def replies(request: ScriptedRequest) -> str:
        return governance_reply(request) or effort_reply(0.05)

    s = scenario(
        "paper/rich-altruistic.yaml",
        rounds=rounds,
        model={"name": "scripted:memory"},
        population=[{"name": "villagers", "count": 4, "persona": "altruistic"}],
        institutions={
            "monitoring": {"enabled": True},
            "voting": {"enabled": True},
            "social_learning": {"enabled": True},
        },
        **overrides,
    )
    fake = ScriptedChatModel(responder=replies)
    result = asyncio.run(
        run_society(s, tmp_path, chat_model_factory=lambda spec: fake, backoff_s=0)
    )
    return result.run_dir, list(read_events(result.run_dir))


@pytest.fixture(scope="module")
def fifty_rounds(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Event]]:
    return scripted_run(tmp_path_factory.mktemp("fifty"), rounds=50)


def test_prompt_size_stays_flat_over_fifty_rounds(
    fifty_rounds: tuple[Path, list[Event]],
) -> None:
    _, events = fifty_rounds
    calls = [e for e in events if isinstance(e, LLMCall) and e.phase == "harvest"]
    assert max(c.round for c in calls) == 50
    at = {r: mean(c.input_tokens for c in calls if c.round == r) for r in (5, 50)}
    print(f"\nprompt tokens per harvest call: round 5 = {at[5]:.1f}, round 50 = {at[50]:.1f}")
    assert abs(at[50] - at[5]) <= 0.2 * at[5]
    every = [e for e in events if isinstance(e, LLMCall)]
    assert all(c.token_budget == 3000 and c.input_tokens <= 3000 for c in every)
    # LLM reflections come from the learning call and are recalled in later rounds.
    reflections = [e for e in events if isinstance(e, ReflectionStored)]
    assert reflections and all(e.source == "llm" for e in reflections)
    assert any(m.kind == "reflection" for e in recalls(events) if e.round > 2 for m in e.items)


def test_memory_survives_a_process_restart(fifty_rounds: tuple[Path, list[Event]]) -> None:
    run_dir, events = fifty_rounds
    assert (run_dir / "memory").is_dir()  # LLM runs default to embedded Chroma
    code = (
        "import sys; from memory import ChromaMemory\n"
        "m = ChromaMemory(sys.argv[1], path=sys.argv[2])\n"
        "print(m.count(), m.count('villagers-1'))\n"
        "m.close()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, run_dir.name, str(run_dir / "memory")],
        capture_output=True,
        text=True,
        check=True,
    )
    total, one = map(int, done.stdout.split())
    assert total > 4 * 50 * 3 and 0 < one < total
    # Every memory recalled in the run is in the reopened store's ids.
    ids = {m.id for e in recalls(events) for m in e.items}
    assert ids and len(ids) <= total


def test_budget_drops_lowest_scored_memories_first(tmp_path: Path) -> None:
    _, events = scripted_run(tmp_path, rounds=4, memory={"token_budget": 200, "k": 8})
    calls = [e for e in events if isinstance(e, LLMCall)]
    assert any(c.memories_dropped > 0 for c in calls)
    for event in recalls(events):
        if not event.dropped:
            continue
        kept, dropped = event.items[: -event.dropped], event.items[-event.dropped :]
        assert all(not m.pinned for m in dropped)
        assert any(m.pinned and m.kind == "norm" for m in kept)
        kept_ranked = [m.score for m in kept if not m.pinned]
        assert all(d.score <= min(kept_ranked, default=float("inf")) for d in dropped)


@pytest.fixture
def chroma_server(tmp_path: Path) -> Iterator[ChromaServer]:
    server = ChromaServer(tmp_path / "server-data", host="127.0.0.1")
    try:
        server.start()
    except MemoryStoreError as error:
        pytest.skip(f"the Chroma server could not start here: {error}")
    try:
        yield server
    finally:
        server.stop()


def test_a_society_against_a_chroma_server(tmp_path: Path, chroma_server: ChromaServer) -> None:
    run_dir, events = rule_run(tmp_path, rounds=3, memory={"url": chroma_server.url})
    assert not (run_dir / "memory").exists()  # nothing embedded: the server holds it
    assert recalls(events) and any(len(e.items) > 1 for e in recalls(events))
    from memory import ChromaMemory

    with ChromaMemory(run_dir.name, url=chroma_server.url) as served:
        assert served.count() > 10 * 3


def test_inspect_shows_recalled_memories_and_the_reflection(tmp_path: Path) -> None:
    run_dir, _ = rule_run(tmp_path, rounds=3)
    done = CliRunner().invoke(
        app, ["inspect", str(run_dir), "--agent", "altruists-1", "--round", "3"]
    )
    assert done.exit_code == 0, done.output
    assert "Recalled by altruists-1 for its harvest decision, round 3" in done.output
    assert "(pinned)" in done.output and "score" in done.output
    assert "Reflection of altruists-1, round 3" in done.output
