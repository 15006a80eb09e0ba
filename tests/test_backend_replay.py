"""Record and replay: `--record` then `--replay` gives a byte-identical events.jsonl with no
network; a request that was not recorded is a clear error naming the agent and prompt."""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, scenario

from society.backends.base import ReplayMiss
from society.backends.faults import FaultRates
from society.backends.replay import STORE_FILE
from society.backends.stack import BackendOptions
from society.coordinator.runner import run_society
from society.scenario import Scenario
from society.scenario.schema import ModelSpec
from society.testing import StubOpenAIServer, StubReply, StubRequest
from society.transcript.writer import EVENTS_FILE


def no_model(spec: ModelSpec) -> None:
    raise AssertionError(f"replay must not build a model ({spec.name})")


def society_of(base_url: str) -> Scenario:
    return scenario(
        "paper/_base.yaml",
        name="recorded",
        rounds=3,
        model={"name": "openai:recorded-model", "base_url": base_url, "backoff_s": 0},
        population=[
            {"name": "a", "count": 3},
            {
                "name": "b",
                "count": 2,
                "model": {
                    "name": "openai:other-model",
                    "base_url": base_url,
                    "structured_output": "tool_calling",
                    "backoff_s": 0,
                },
            },
        ],
    )


def responder(request: StubRequest) -> StubReply:
    n = len(request.messages) + sum(len(m.get("content") or "") for m in request.messages)
    if n % 7 == 0:  # some server errors, answered from the store on replay too
        return StubReply(status=503, error="overloaded")
    if n % 5 == 0:
        return StubReply(content="Sure! I'd harvest a little.")  # unusable: re-asked
    return StubReply(content=json.dumps({"effort": (n % 10) / 20, "rationale": f"n={n}"}))


def test_record_then_replay_is_byte_identical_offline(tmp_path: Path) -> None:
    store = tmp_path / "store"
    faults = FaultRates(malformed=0.1, rate_limit=0.1, seed=5)
    with StubOpenAIServer(responder) as server:
        s = society_of(server.base_url)
        recorded = asyncio.run(
            run_society(s, tmp_path / "rec", backends=BackendOptions(record=store, faults=faults))
        )
    assert (store / STORE_FILE).is_file()
    # The server is gone; no model is built; faults are not re-injected but replayed.
    replayed = asyncio.run(
        run_society(
            s, tmp_path / "rep", chat_model_factory=no_model, backends=BackendOptions(replay=store)
        )
    )
    original = (recorded.run_dir / EVENTS_FILE).read_bytes()
    assert (replayed.run_dir / EVENTS_FILE).read_bytes() == original
    assert recorded.metrics.llm.backend_errors > 0 and recorded.metrics.llm.unusable_replies > 0
    assert replayed.metrics == recorded.metrics

    # A changed prompt is a miss that names the agent, round and prompt.
    changed = s.model_copy(update={"norm": s.norm.model_copy(update={"text": "Share fairly."})})
    with pytest.raises(ReplayMiss) as miss:
        asyncio.run(
            run_society(
                changed,
                tmp_path / "miss",
                chat_model_factory=no_model,
                backends=BackendOptions(replay=store),
            )
        )
    message = str(miss.value)
    assert re.search(r"agent [ab]-\d, round 1, phase harvest, prompt 'harvest_effort'", message)
    assert "differs from the recorded one" in message and "--record" in message


def test_replay_of_an_empty_folder_says_what_to_do(tmp_path: Path) -> None:
    s = society_of("http://127.0.0.1:9/v1")
    with pytest.raises(ReplayMiss, match="record a run first"):
        asyncio.run(run_society(s, tmp_path, backends=BackendOptions(replay=tmp_path / "none")))


def test_cli_record_and_replay(tmp_path: Path) -> None:
    store = tmp_path / "cassette"

    def society(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "society", "run", str(ROOT / "scenarios/demo.yaml"), *args],
            capture_output=True,
            text=True,
            timeout=300,
        )

    def answer(request: StubRequest) -> str:
        return json.dumps({"effort": 0.2, "rationale": "cli"})

    common = ["--rounds", "2", "--quiet", "--model", "openai:cli-model"]
    with StubOpenAIServer(answer) as server:
        first = society(
            *common, "--base-url", server.base_url, "--record", str(store), "--out", str(tmp_path)
        )
        assert first.returncode == 0, first.stderr
        assert server.requests
    # Replay with the server stopped and a base URL that points nowhere.
    second = society(
        *common,
        "--base-url",
        server.base_url,
        "--replay",
        str(store),
        "--out",
        str(tmp_path / "again"),
    )
    assert second.returncode == 0, second.stderr
    (run_a,) = [p for p in tmp_path.iterdir() if (p / EVENTS_FILE).is_file()]
    (run_b,) = list((tmp_path / "again").iterdir())
    assert (run_a / EVENTS_FILE).read_bytes() == (run_b / EVENTS_FILE).read_bytes()

    missing = society(
        "--rounds", "3", "--quiet", "--model", "openai:cli-model", "--base-url",
        server.base_url, "--replay", str(store), "--out", str(tmp_path / "more"),
    )  # fmt: skip
    assert missing.returncode == 2
    assert "replay miss" in missing.stderr and "round 3" in missing.stderr
    assert "Traceback" not in missing.stderr
