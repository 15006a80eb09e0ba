"""Cached prompt tokens: recorded on `llm_call` when the provider reports them (through the
real `ChatOpenAI` client, from `usage.prompt_tokens_details.cached_tokens`), priced at the
price table's `cached_input`, totalled in the metrics, and left out of the JSON while zero."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

import pytest
from conftest import ROOT, scenario

from society.backends.chat_model import cached_input_tokens
from society.backends.cost import Price, PriceTable, PriceTableError, load_price_file
from society.backends.stack import BackendOptions
from society.coordinator.runner import run_society
from society.testing import StubOpenAIServer, StubReply, StubRequest
from society.transcript import LLMCall, read_events
from society.transcript.writer import EVENTS_FILE

AGENT = re.compile(r"You are (\S+?),")


def agent_of(request: StubRequest) -> str:
    system = next(m["content"] for m in request.messages if m["role"] == "system")
    match = AGENT.search(system)
    return match.group(1) if match else "?"


def responder(request: StubRequest) -> StubReply:
    """cached-* agents' prompts are reported 600 of 1000 tokens cached; plain-* nothing."""
    reply = json.dumps({"effort": 0.2, "rationale": "cache"})
    cached = 600 if agent_of(request).startswith("cached") else None
    return StubReply(content=reply, prompt_tokens=1000, completion_tokens=20, cached_tokens=cached)


def society(url: str, prices: dict[str, float]) -> object:
    return scenario(
        "paper/_base.yaml",
        name="cache",
        rounds=2,
        model={"name": "openai:cache-model", "base_url": url},
        llm={"prices": {"models": {"openai:*": prices}}},
        population=[{"name": "cached", "count": 2}, {"name": "plain", "count": 2}],
    )


def test_cached_tokens_are_recorded_priced_and_replayed(tmp_path: Path) -> None:
    prices = {"input": 2.0, "cached_input": 0.5, "output": 4.0}
    store = tmp_path / "store"
    with StubOpenAIServer(responder) as server:
        s = society(server.base_url, prices)
        result = asyncio.run(
            run_society(s, tmp_path / "rec", backends=BackendOptions(record=store))
        )
    lines = (result.run_dir / EVENTS_FILE).read_text().splitlines()
    calls = [e for e in read_events(result.run_dir) if isinstance(e, LLMCall)]
    assert len(calls) == 8
    with_cache = (400 * 2.0 + 600 * 0.5 + 20 * 4.0) / 1e6
    without = (1000 * 2.0 + 20 * 4.0) / 1e6
    for call in calls:
        line = json.loads(lines[call.seq])
        if call.agent.startswith("cached"):
            assert call.cached_input_tokens == 600 and line["cached_input_tokens"] == 600
            assert call.cost == pytest.approx(with_cache)
        else:  # not reported: not in the JSON at all (old transcripts stay byte-identical)
            assert call.cached_input_tokens == 0 and "cached_input_tokens" not in line
            assert call.cost == pytest.approx(without)
        assert call.input_tokens == 1000 and call.token_source == "provider"
    usage = result.metrics.llm
    assert usage.cached_input_tokens == 4 * 600
    assert usage.by_agent["cached-1"].cached_input_tokens == 2 * 600
    assert usage.cost == pytest.approx(4 * with_cache + 4 * without)
    metrics = json.loads((result.run_dir / "metrics.json").read_text())
    assert metrics["llm"]["by_agent"]["cached-1"]["cached_input_tokens"] == 1200
    assert "cached_input_tokens" not in metrics["llm"]["by_agent"]["plain-1"]

    def no_model(spec: object) -> object:
        raise AssertionError("replay builds no model")

    replayed = asyncio.run(
        run_society(
            s, tmp_path / "rep", chat_model_factory=no_model, backends=BackendOptions(replay=store)
        )
    )
    assert (replayed.run_dir / EVENTS_FILE).read_bytes() == (
        result.run_dir / EVENTS_FILE
    ).read_bytes()


def test_without_a_cached_price_cached_tokens_cost_the_input_price(tmp_path: Path) -> None:
    with StubOpenAIServer(responder) as server:
        result = asyncio.run(
            run_society(society(server.base_url, {"input": 2.0, "output": 4.0}), tmp_path)
        )
    calls = [e for e in read_events(result.run_dir) if isinstance(e, LLMCall)]
    assert {c.cached_input_tokens for c in calls} == {0, 600}
    assert {round(c.cost or 0, 12) for c in calls} == {round((1000 * 2 + 20 * 4) / 1e6, 12)}
    resolved = (result.run_dir / "scenario.yaml").read_text()
    assert "cached_input" not in resolved  # unset prices stay out of the resolved scenario


def test_price_tables_read_cached_input_prices() -> None:
    table = PriceTable.from_data(
        {
            "models": {
                "a:*": {"input": 1, "output": 3, "cached_input": 0.25},
                "b:*": {"input": 1, "output": 1},
            }
        }
    )
    assert table.price("a:x") == Price(1.0, 3.0, 0.25)
    assert table.price("b:x") == Price(1.0, 1.0, None)
    assert table.to_data()["models"] == {
        "a:*": {"input": 1.0, "output": 3.0, "cached_input": 0.25},
        "b:*": {"input": 1.0, "output": 1.0},
    }
    assert Price(1.0, 3.0, 0.25).cost(1000, 100, 400) == pytest.approx(
        (600 * 1.0 + 400 * 0.25 + 100 * 3.0) / 1e6
    )
    # More cached than sent (a provider's miscount) is capped at the prompt tokens.
    assert Price(1.0, 0.0, 0.0).cost(100, 0, 500) == 0.0
    for bad in ({"input": 1, "output": 1, "cached": 1}, {"input": 1, "cached_input": 1}):
        with pytest.raises(PriceTableError, match="may have 'cached_input'"):
            PriceTable.from_data({"models": {"a": bad}})
    with pytest.raises(PriceTableError, match="≥ 0"):
        PriceTable.from_data({"models": {"a": {"input": 1, "output": 1, "cached_input": -1}}})
    assert load_price_file(ROOT / "prices.example.yaml").models == {}


def test_langchain_usage_details_are_read_when_present() -> None:
    assert cached_input_tokens({"input_tokens": 10, "input_token_details": {"cache_read": 4}}) == 4
    assert cached_input_tokens({"input_tokens": 10, "input_token_details": {}}) is None
    assert cached_input_tokens({"input_tokens": 10}) is None
