"""A backend wrapper of one's own, registered by name, wraps every model call of a run when a
scenario names it in `llm.wrappers` (docs/extending.md, "A new backend wrapper")."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import ClassVar

import pytest
from conftest import scenario

from society.backends.base import ChatReply, ChatRequest, Wrapper
from society.coordinator.runner import run_society
from society.core import registry
from society.scenario import ScenarioError
from society.testing import ScriptedChatModel, effort_reply
from society.transcript import LLMCall, read_events


class CountingWrapper(Wrapper):
    """Counts the calls that reach the model, per prompt id."""

    seen: ClassVar[dict[str, int]] = {}

    async def complete(self, request: ChatRequest) -> ChatReply:
        CountingWrapper.seen[request.prompt_id] = CountingWrapper.seen.get(request.prompt_id, 0) + 1
        return await self.inner.complete(request)


@pytest.fixture
def counting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(registry.BACKEND_WRAPPERS, "_entries", {})
    registry.BACKEND_WRAPPERS.register("counting", lambda inner, spec: CountingWrapper(inner))
    CountingWrapper.seen = {}


def test_a_registered_wrapper_sees_every_call(counting: None, tmp_path: Path) -> None:
    s = scenario(
        "paper/rich-altruistic.yaml",
        rounds=2,
        model={"name": "scripted:x"},
        llm={"wrappers": ["counting"]},
    )
    fake = ScriptedChatModel(responder=lambda r: effort_reply(0.1))
    result = asyncio.run(
        run_society(s, tmp_path, chat_model_factory=lambda spec: fake, backoff_s=0)
    )
    calls = [e for e in read_events(result.run_dir) if isinstance(e, LLMCall)]
    assert sum(CountingWrapper.seen.values()) == len(calls) > 0
    assert s.model_dump(mode="json")["llm"]["wrappers"] == ["counting"]


def test_without_wrappers_the_resolved_scenario_is_as_before() -> None:
    assert "wrappers" not in scenario("demo.yaml").model_dump(mode="json")["llm"]


def test_an_unknown_wrapper_is_an_error(counting: None) -> None:
    with pytest.raises(ScenarioError) as caught:
        scenario("demo.yaml", llm={"wrappers": ["countng"]})
    assert "no backend wrapper 'countng' is registered; known: counting" in caught.value.lines[0]
