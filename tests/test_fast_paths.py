"""The framework's faster paths (BENCHMARKS.md, "Framework CPU per model call") give exactly
what the plain computations give: token counts, shared compiled prompts, the members listed
once per fan-out, the norm similarity metric, and a phase's turns run in one task."""

from __future__ import annotations

import asyncio
import random
from itertools import combinations
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from conftest import SCENARIOS

from society import tokens
from society.agents.graph import AgentTurns
from society.core.agents import agents_of
from society.core.registry import game_of
from society.core.state import alive, members_fixed, shared_by_fan_out
from society.games.commons.dynamics.similarity import cosine, mean_pairwise_similarity
from society.games.commons.institutions.social_learning import learn_context
from society.prompts import PromptLibrary
from society.scenario import load_scenario


def test_token_counts_are_tiktokens_own() -> None:
    enc = tokens.encoding("cl100k_base")
    texts = [
        "You are altruists-001, one of 100 members.",
        "special text <|endoftext|> and <|fim_prefix|> counted as ordinary text",
        "ünïcödé, emoji 🐟 and\n\nblank lines  \t",
        "",
    ]
    for text in texts * 2:  # the second time from the kept counts
        assert tokens.count_text(text) == len(enc.encode(text, disallowed_special=()))
    assert (
        tokens.count_messages(texts)
        == sum(len(enc.encode(t, disallowed_special=())) for t in texts)
        + tokens.TOKENS_PER_MESSAGE * len(texts)
        + tokens.TOKENS_PER_REPLY_PRIMER
    )


def test_libraries_share_compiled_prompts_but_render_their_own_text(tmp_path: Path) -> None:
    one = PromptLibrary(overrides={"partials/system": "SYSTEM-ONE {{ view.agent }}"})
    two = PromptLibrary(overrides={"partials/system": "SYSTEM-TWO {{ view.agent }}"})
    folder = tmp_path / "prompts"
    folder.mkdir()
    template = folder / "greet.j2"
    template.write_text("--- user ---\nHello {{ name }}", encoding="utf-8")
    first = PromptLibrary(folder).render("greet", name="Ada").messages[0].content
    template.write_text("--- user ---\nGoodbye {{ name }}", encoding="utf-8")
    changed = PromptLibrary(folder).render("greet", name="Ada").messages[0].content
    assert (first, changed) == ("Hello Ada", "Goodbye Ada")
    system = {one.source("partials/system"), two.source("partials/system")}
    assert system == {"SYSTEM-ONE {{ view.agent }}", "SYSTEM-TWO {{ view.agent }}"}
    assert one.template_sha256("harvest_effort") != two.template_sha256("harvest_effort")


def _state(alive_flags: dict[str, bool]) -> dict[str, Any]:
    agents = {a: {"alive": flag, "joins_at": 1} for a, flag in alive_flags.items()}
    return {"round": 2, "agents": agents}


def test_members_listed_once_per_fan_out_are_the_members() -> None:
    state = _state({"b": True, "a": True, "c": False})
    other = _state({"x": True})
    with members_fixed(state) as listed:
        assert listed == alive(state) == ["a", "b"]
        alive(state).append("z")  # a caller's copy: the listed members do not change
        assert alive(state) == ["a", "b"]
        assert alive(other) == ["x"]  # another state is listed as usual
    state["agents"]["c"]["alive"] = True
    assert alive(state) == ["a", "b", "c"]  # outside the block: listed afresh


def test_norm_similarity_is_the_plain_pairwise_mean() -> None:
    rng = random.Random(7)
    words = [
        "take",
        "little",
        "watch",
        "the",
        "stock",
        "fish",
        "3",
        "3.5",
        "limit",
        "norm",
        "we",
        "agree",
    ]
    for size in (2, 3, 10, 40):
        for _ in range(25):
            texts = [" ".join(rng.choices(words, k=rng.randint(0, 8))) for _ in range(size)]
            if rng.random() < 0.5:  # proposals repeat
                texts = rng.choices(texts[:3], k=size)
            pairs = list(combinations(texts, 2))
            plain = sum(cosine(a, b) for a, b in pairs) / len(pairs)
            assert mean_pairwise_similarity(texts) == plain  # bit for bit
    assert mean_pairwise_similarity(["one"]) is None


class _Mind:
    source = "rules"
    label = "test"


def test_a_failing_turn_cancels_the_others_and_raises_as_it_was() -> None:
    turns = AgentTurns({"a": _Mind(), "b": _Mind()}, {})
    cancelled: list[str] = []

    async def run(turn: dict[str, Any]) -> dict[str, Any]:
        if turn["agent"] == "a":
            await asyncio.sleep(0)
            raise LookupError("no reply for a")
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            cancelled.append(turn["agent"])
            raise
        return {"outcome": {}}

    turns.run = run  # type: ignore[method-assign]
    with pytest.raises(LookupError, match="no reply for a"):
        asyncio.run(turns.run_all([{"agent": "a"}, {"agent": "b"}]))
    assert cancelled == ["b"]

    async def fine(turn: dict[str, Any]) -> dict[str, Any]:
        await asyncio.sleep(0.01 if turn["agent"] == "a" else 0)
        return {"outcome": {"who": turn["agent"]}}

    turns.run = fine  # type: ignore[method-assign]
    outcomes = asyncio.run(turns.run_all([{"agent": "a"}, {"agent": "b"}]))
    assert outcomes == {"a": {"who": "a"}, "b": {"who": "b"}}


def test_shared_values_are_computed_once_per_fan_out() -> None:
    state = _state({"a": True})
    calls: list[int] = []

    def compute() -> list[int]:
        calls.append(1)
        return [len(calls)]

    assert shared_by_fan_out(state, "k", compute) == [1]  # outside a fan-out: every time
    with members_fixed(state):
        assert shared_by_fan_out(state, "k", compute) == [2]
        assert shared_by_fan_out(state, "k", compute) == [2]
        assert shared_by_fan_out(_state({"a": True}), "k", compute) == [3]
    assert len(calls) == 3


def test_the_learning_table_ranks_peers_as_a_full_sort_does() -> None:
    """LLM learners' peer table: the best peers by rounded payoff, ties by id, without the
    learner itself; ranked once per fan-out."""
    scenario = load_scenario(
        SCENARIOS / "demo.yaml",
        {"model": {"name": "scripted:x"}, "institutions": {"social_learning": {"enabled": True}}},
    )
    game = game_of(scenario)
    state = game.initial_state(scenario, agents_of(scenario))
    state["round"] = 1
    rng = random.Random(3)
    for record in state["agents"].values():
        record["payoff"] = rng.choice([1.0, 2.0000001, 2.0000004, 5.5])  # ties after rounding
    deps = SimpleNamespace(scenario=scenario, mind_sources=dict.fromkeys(state["agents"], "llm"))
    shown = scenario.institutions.social_learning.peers_shown

    def reference(agent: str) -> list[str]:
        peers = [p for p in sorted(state["agents"]) if p != agent]
        key = lambda p: (-round(state["agents"][p]["payoff"], 6), p)  # noqa: E731
        return sorted(peers, key=key)[:shown]

    with members_fixed(state):
        tables = {a: learn_context(state, a, deps) for a in state["agents"]}  # type: ignore[arg-type]
    for agent, table in tables.items():
        assert table["peers_shown"] == reference(agent)
        assert [row["agent"] for row in table["peer_table"]] == reference(agent)
    assert learn_context(state, "selfish-1", deps) == tables["selfish-1"]  # type: ignore[arg-type]
