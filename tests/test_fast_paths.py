"""The framework's faster paths (BENCHMARKS.md, "Framework CPU per model call") give exactly
what the plain computations give: token counts, shared compiled prompts, the members listed
once per fan-out, the norm similarity metric, and a phase's turns run in one task."""

from __future__ import annotations

import asyncio
import random
from itertools import combinations
from pathlib import Path
from typing import Any

import pytest

from society import tokens
from society.agents.graph import AgentTurns
from society.core.state import alive, members_fixed
from society.games.commons.dynamics.similarity import cosine, mean_pairwise_similarity
from society.prompts import PromptLibrary


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
