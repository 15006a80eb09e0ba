"""API keys come from the environment or a file the user names and never reach a run's output:
a planted key is searched for in every file of the run folder and of the record store."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, scenario

from society.backends.resolve import BackendError, init_chat_model_factory
from society.backends.secrets import REDACTED, read_api_key, redact
from society.backends.stack import BackendOptions
from society.coordinator.runner import run_society
from society.scenario import ScenarioError
from society.scenario.schema import ModelSpec
from society.testing import StubOpenAIServer, StubReply, StubRequest

PLANTED = "sk-planted-7Hq2ZmX9vLw4RtY8pKd3NcB6"
FILE_KEY = "sk-filekey-Pq8Lm2Vx7Wn4Rt6Yz3Kc9Hb5"


def scan(folder: Path, *secrets: str) -> list[str]:
    leaks = []
    for path in folder.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            leaks += [f"{path}: {s[:12]}…" for s in secrets if s.encode() in data]
    return leaks


def test_planted_keys_never_reach_the_run_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOCIETY_TEST_KEY", PLANTED)
    key_file = tmp_path / "secret" / "key.txt"
    key_file.parent.mkdir()
    key_file.write_text(f"\n{FILE_KEY}\n")
    seen_errors = 0

    def responder(request: StubRequest) -> StubReply:
        nonlocal seen_errors
        header = request.headers.get("authorization", "")
        if request.body.get("seed") is None and seen_errors < 3:  # a few leaky 500s
            seen_errors += 1
            return StubReply(status=500, error=f"upstream failed for Authorization: {header}")
        return StubReply(content=json.dumps({"effort": 0.2, "rationale": "ok"}))

    with StubOpenAIServer(responder) as server:
        s = scenario(
            "paper/_base.yaml",
            name="secrets",
            rounds=2,
            model={
                "name": "openai:env-key-model",
                "base_url": server.base_url,
                "api_key_env": "SOCIETY_TEST_KEY",
                "backoff_s": 0,
            },
            population=[
                {"name": "env", "count": 2},
                {
                    "name": "file",
                    "count": 2,
                    "model": {
                        "name": "openai:file-key-model",
                        "base_url": server.base_url,
                        "api_key_file": str(key_file),
                        "seed": 1,
                    },
                },
            ],
        )
        store = tmp_path / "store"
        result = asyncio.run(
            run_society(
                s,
                tmp_path / "runs",
                chat_model_factory=init_chat_model_factory,
                backends=BackendOptions(record=store),
            )
        )
        headers = {r.headers.get("authorization") for r in server.requests}
    # The keys were used...
    assert headers == {f"Bearer {PLANTED}", f"Bearer {FILE_KEY}"}
    # ...the leaky errors were recorded, redacted...
    assert seen_errors == 3 and result.metrics.llm.backend_errors == 3
    events = (result.run_dir / "events.jsonl").read_text()
    assert REDACTED in events
    # ...and no file of the run or the store holds either key.
    assert scan(tmp_path / "runs", PLANTED, FILE_KEY) == []
    assert scan(store, PLANTED, FILE_KEY) == []


def test_redaction_patterns() -> None:
    text = (
        "Error 401: {'error': 'bad key sk-abcdefghijklmnopqrstuvwx'}; headers: "
        "{'Authorization': 'Bearer abc.def-ghi_jkl', 'x-api-key': 'zzzzzzzzzz'} "
        "url=https://user:hunter2@example.invalid/v1 google AIzaSyA1234567890abcdefghijklmno"
    )
    cleaned = redact(text)
    for secret in ("sk-abcdefghijklmnop", "abc.def-ghi_jkl", "zzzzzzzzzz", "hunter2", "AIzaSy"):
        assert secret not in cleaned
    assert "Error 401" in cleaned and "example.invalid" in cleaned


def test_key_sources_are_checked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SOCIETY_UNSET_KEY", raising=False)
    spec = ModelSpec(name="openai:x", api_key_env="SOCIETY_UNSET_KEY")
    with pytest.raises(BackendError, match=r"SOCIETY_UNSET_KEY .*not set"):
        init_chat_model_factory(spec)
    empty = tmp_path / "empty.txt"
    empty.write_text("\n")
    with pytest.raises(BackendError, match="is empty"):
        init_chat_model_factory(ModelSpec(name="openai:x", api_key_file=str(empty)))
    assert read_api_key(None, None) is None


def test_credentials_are_refused_in_scenario_fields() -> None:
    with pytest.raises(ScenarioError, match="looks like a credential"):
        scenario("paper/_base.yaml", model={"name": "openai:x", "params": {"api_key": "sk-x"}})
    with pytest.raises(ScenarioError, match="must not hold credentials"):
        scenario("paper/_base.yaml", model={"name": "openai:x", "base_url": "http://u:p@h/v1"})


def test_cli_error_messages_are_redacted(tmp_path: Path) -> None:
    def responder(request: StubRequest) -> StubReply:
        header = request.headers.get("authorization", "")
        return StubReply(status=401, error=f"invalid key in Authorization: {header}")

    with StubOpenAIServer(responder) as server:
        done = subprocess.run(
            [
                sys.executable, "-m", "society", "run", str(ROOT / "scenarios/demo.yaml"),
                "--rounds", "1", "--quiet", "--out", str(tmp_path / "runs"),
                "--model", "openai:m", "--base-url", server.base_url,
                "--api-key-env", "SOCIETY_CLI_KEY",
            ],
            capture_output=True, text=True, timeout=300,
            env={**os.environ, "SOCIETY_CLI_KEY": PLANTED},
        )  # fmt: skip
    assert done.returncode == 0, done.stderr  # 401s are failed decisions (skip), not a crash
    assert PLANTED not in done.stdout + done.stderr
    assert scan(tmp_path / "runs", PLANTED) == []
    events = next((tmp_path / "runs").iterdir()) / "events.jsonl"
    assert "AuthenticationError" in events.read_text()
