"""Concurrency caps, per-call timeouts, retries with backoff, the run budget, the cost meter
and the dry-run estimate."""

from __future__ import annotations

import asyncio
import random
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, scenario

from society.backends.base import CallFailed, ChatReply, ChatRequest
from society.backends.cost import PriceTable, load_price_file
from society.backends.retry import RetryingBackend, RetryPolicy, is_transient
from society.coordinator.dry_run import estimate
from society.coordinator.runner import run_society
from society.scenario import Scenario
from society.testing import ScriptedChatModel, ScriptedRequest, effort_reply
from society.transcript import DecisionFailed, LLMCall, RunFinished, read_events
from society.transcript.writer import EVENTS_FILE


def llm_society(count: int, rounds: int, **model: object) -> Scenario:
    return scenario(
        "paper/_base.yaml",
        name="limits",
        rounds=rounds,
        model={"name": "scripted:limits", "backoff_s": 0, **model},
        population=[{"name": "villagers", "count": count}],
    )


def test_concurrency_cap_is_shared_by_every_agent_on_a_server(tmp_path: Path) -> None:
    fake = ScriptedChatModel(script={("*", "*"): [effort_reply(0.1)]}, latency_s=0.03)
    url = "http://127.0.0.1:1/v1"  # never contacted: the factory returns the fake
    s = scenario(
        "paper/_base.yaml",
        name="capped",
        rounds=2,
        population=[
            {"name": "a", "count": 6, "model": {"name": "scripted:a", "base_url": url,
                                                "max_concurrency": 5}},
            {"name": "b", "count": 6, "model": {"name": "scripted:b", "base_url": url,
                                                "max_concurrency": 3}},
        ],
    )  # fmt: skip
    asyncio.run(run_society(s, tmp_path, chat_model_factory=lambda spec: fake))
    assert len(fake.requests) == 24
    assert fake.max_in_flight == 3  # the smallest cap of the two models on that server

    uncapped = ScriptedChatModel(script={("*", "*"): [effort_reply(0.1)]}, latency_s=0.03)
    asyncio.run(
        run_society(
            llm_society(12, 1, max_concurrency=100),
            tmp_path / "free",
            chat_model_factory=lambda spec: uncapped,
        )
    )
    assert uncapped.max_in_flight == 12  # one phase's calls run concurrently


def test_per_call_timeout_is_an_event_and_is_retried(tmp_path: Path) -> None:
    def latency(request: ScriptedRequest) -> float:
        return 5.0 if request.agent == "villagers-01" and request.attempt == 1 else 0.0

    fake = ScriptedChatModel(script={("*", "*"): [effort_reply(0.1)]}, latency_s=latency)
    result = asyncio.run(
        run_society(
            llm_society(10, 1, timeout_s=0.2), tmp_path, chat_model_factory=lambda spec: fake
        )
    )
    calls = [e for e in read_events(result.run_dir) if isinstance(e, LLMCall)]
    first, second = [c for c in calls if c.agent == "villagers-01"]
    assert first.error == "backend error: CallTimeout: no reply within 0.2 s"
    assert second.attempt == 2 and second.parsed is not None


class Flaky:
    label = "flaky"

    def __init__(self, errors: list[BaseException]) -> None:
        self.errors = errors

    async def complete(self, request: ChatRequest) -> ChatReply:
        if self.errors:
            raise self.errors.pop(0)
        return ChatReply(text="{}", attempt=request.attempt)


class RateLimited(Exception):
    status_code = 429
    retry_after = 7.0


class BadRequest(Exception):
    status_code = 400


def request() -> ChatRequest:
    return ChatRequest((), None, "a-1", 1, "harvest", "harvest_effort")


def test_backoff_grows_with_jitter_and_honours_retry_after() -> None:
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    policy = RetryPolicy(retries=4, backoff_s=1.0, backoff_max_s=30.0, jitter=0.5)
    errors: list[BaseException] = [TimeoutError("t"), ConnectionError("c"), RateLimited("429")]
    backend = RetryingBackend(Flaky(errors), policy, sleep=sleep, rng=random.Random(1))
    reply = asyncio.run(backend.complete(request()))
    assert reply.attempt == 4 and [t.attempt for t in reply.failed_tries] == [1, 2, 3]
    assert 0.5 <= waits[0] <= 1.0 and 1.0 <= waits[1] <= 2.0
    assert waits[2] == 7.0  # Retry-After beats the (shorter) backoff
    assert "RateLimited: 429" in reply.failed_tries[2].error

    with pytest.raises(CallFailed) as failed:  # not worth retrying: fails at once
        asyncio.run(
            RetryingBackend(Flaky([BadRequest("no")]), policy, sleep=sleep).complete(request())
        )
    assert len(failed.value.tries) == 1 and not failed.value.tries[0].transient
    with pytest.raises(CallFailed) as exhausted:
        flaky = Flaky([TimeoutError()] * 10)
        asyncio.run(RetryingBackend(flaky, RetryPolicy(retries=2), sleep=sleep).complete(request()))
    assert [t.attempt for t in exhausted.value.tries] == [1, 2, 3]
    assert not is_transient(ValueError("bad")) and is_transient(RateLimited())


def test_budget_stops_the_run_cleanly_and_reproducibly(tmp_path: Path) -> None:
    s = scenario(
        "paper/_base.yaml",
        name="budget",
        rounds=10,
        model={"name": "scripted:budget"},
        llm={"budget": {"max_calls": 25}},
        population=[{"name": "villagers", "count": 10}],
    )

    def once(out: Path) -> tuple[Path, object]:
        fake = ScriptedChatModel(script={("*", "*"): [effort_reply(0.1)]})
        result = asyncio.run(run_society(s, out, chat_model_factory=lambda spec: fake))
        return result.run_dir, result.metrics

    run_dir, metrics = once(tmp_path / "a")
    events = list(read_events(run_dir))
    failures = [e for e in events if isinstance(e, DecisionFailed)]
    assert failures and {f.reason for f in failures} == {"budget_exhausted"}
    assert {f.policy for f in failures} == {"abort"} and failures[0].attempts == 0
    assert "max_calls is 25" in failures[0].error
    finished = next(e for e in events if isinstance(e, RunFinished))
    # Budget checked per phase: rounds 1-3 ran (30 calls), round 4 was refused.
    assert finished.end_reason == "budget_exhausted"
    assert finished.rounds_completed == 3
    assert metrics.llm.calls == 30 and metrics.llm.budget_exhausted  # type: ignore[attr-defined]
    again, _ = once(tmp_path / "b")
    assert (again / EVENTS_FILE).read_bytes() == (run_dir / EVENTS_FILE).read_bytes()


def test_cost_meter_totals_per_model_agent_and_phase(tmp_path: Path) -> None:
    s = scenario(
        "paper/_base.yaml",
        name="costly",
        rounds=2,
        llm={"prices": {"currency": "EUR", "models": {"scripted:*": {"input": 1.0, "output": 2.0},
                                                      "scripted:free": {"input": 0, "output": 0}}}},
        population=[
            {"name": "paid", "count": 2, "model": {"name": "scripted:paid"}},
            {"name": "free", "count": 1, "model": {"name": "scripted:free"}},
            {"name": "unpriced", "count": 1, "model": {"name": "other:model"}},
        ],
    )  # fmt: skip
    fake = ScriptedChatModel(script={("*", "*"): [effort_reply(0.1)]}, usage=(1000, 50))
    result = asyncio.run(run_society(s, tmp_path, chat_model_factory=lambda spec: fake))
    usage = result.metrics.llm
    per_call = (1000 * 1.0 + 50 * 2.0) / 1_000_000
    assert usage.currency == "EUR"
    assert usage.cost == pytest.approx(4 * per_call)  # 2 paid agents × 2 rounds
    assert usage.by_model["scripted:paid"].cost == pytest.approx(4 * per_call)
    assert usage.by_model["scripted:free"].cost == 0.0
    assert usage.by_model["other:model"].cost is None
    assert usage.by_agent["paid-1"].cost == pytest.approx(2 * per_call)
    assert usage.by_phase["harvest"].calls == 8 and usage.by_phase["harvest"].input_tokens == 8000
    calls = [e for e in read_events(result.run_dir) if isinstance(e, LLMCall)]
    assert {c.token_source for c in calls} == {"provider"}

    table = PriceTable.from_data({"models": {"a:*": {"input": 1, "output": 1},
                                             "a:b*": {"input": 2, "output": 2}}})  # fmt: skip
    assert table.price("a:bc").input == 2 and table.price("a:x").input == 1  # type: ignore[union-attr]
    assert table.price("z:z") is None
    example = load_price_file(ROOT / "prices.example.yaml")
    assert example.models == {}  # the project ships no prices


def test_dry_run_estimates_without_calling_a_model(tmp_path: Path) -> None:
    # 'anthropic' is not installed here: a dry run never builds the model.
    s = scenario(
        "paper/_base.yaml",
        name="estimate",
        rounds=20,
        model={"name": "anthropic:claude-sonnet-4-5", "max_tokens": 50},
        llm={"prices": {"models": {"anthropic:*": {"input": 3.0, "output": 15.0}}}},
        population=[{"name": "v", "count": 6}, {"name": "r", "count": 2, "model": "rules"}],
    )
    result = asyncio.run(estimate(s, retry_rate=0.1, reply_tokens=80))
    (model,) = result.models
    assert model.agents == 6 and model.calls_per_agent_round == 1.0
    assert model.calls == pytest.approx(6 * 20 * 1.1)
    assert model.prompt_tokens_per_call > 100
    assert model.output_tokens == pytest.approx(model.calls * 50)  # capped by max_tokens
    assert model.cost == pytest.approx((model.input_tokens * 3 + model.output_tokens * 15) / 1e6)
    assert set(result.prompts) == {"harvest_effort"}

    done = subprocess.run(
        [sys.executable, "-m", "society", "run", str(ROOT / "scenarios/demo.yaml"), "--dry-run",
         "--model", "anthropic:claude-sonnet-4-5", "--out", str(tmp_path)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "ESTIMATE" in done.stdout and "This is an estimate" in done.stdout
    assert not list(tmp_path.iterdir())  # nothing written


def test_a_cost_budget_needs_prices_and_stops_the_run(tmp_path: Path) -> None:
    from society.backends.resolve import BackendError
    from society.coordinator.runner import build_minds

    fake = ScriptedChatModel(script={("*", "*"): [effort_reply(0.1)]}, usage=(1000, 0))
    unpriced = llm_society(2, 5).model_dump(mode="json")
    unpriced["llm"]["budget"] = {"max_cost": 0.01}
    with pytest.raises(BackendError, match="has no price"):
        build_minds(Scenario.model_validate(unpriced), factory=lambda spec: fake)

    priced = dict(unpriced)
    priced["llm"] = {
        **unpriced["llm"],
        "prices": {"models": {"scripted:*": {"input": 2.0, "output": 0.0}}},
        "budget": {"max_cost": 0.005},  # each call costs 0.002; 2 calls per round
    }
    result = asyncio.run(
        run_society(Scenario.model_validate(priced), tmp_path, chat_model_factory=lambda s: fake)
    )
    assert result.metrics.rounds_completed == 2  # 0.008 spent when round 3 asks
    assert result.metrics.llm.cost == pytest.approx(0.008)
    assert result.metrics.llm.budget_exhausted
