"""`society run`'s progress bar shows, for LLM runs, the calls made, the calls in flight and
the calls per second; the counters behind it."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from conftest import ROOT

from society.backends.traffic import RATE_WINDOW_S, CallTraffic
from society.testing import StubOpenAIServer, StubReply, StubRequest


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_traffic_counts_calls_in_flight_and_a_recent_rate() -> None:
    clock = Clock()
    traffic = CallTraffic(clock)
    assert traffic.snapshot().per_second == 0.0
    for _ in range(3):
        traffic.began()
    assert traffic.snapshot().in_flight == 3
    clock.now = 2.0
    traffic.ended()
    traffic.ended()
    seen = traffic.snapshot()
    assert (seen.in_flight, seen.finished, seen.per_second) == (1, 2, 1.0)  # 2 calls in 2 s
    clock.now = 2.0 + RATE_WINDOW_S + 1  # the two are out of the window now
    traffic.ended()
    seen = traffic.snapshot()
    assert (seen.in_flight, seen.finished) == (0, 3)
    assert seen.per_second == 1 / RATE_WINDOW_S


def test_run_progress_shows_calls_for_llm_runs_and_pools_from_the_command_line(
    tmp_path: Path,
) -> None:
    def answer(request: StubRequest) -> StubReply:
        return StubReply(content=json.dumps({"effort": 0.2, "rationale": "cli"}))

    def society(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "society", "run", str(ROOT / "scenarios/paper/rich-altruistic.yaml"),
             "--rounds", "2", "--out", str(tmp_path), *args],
            capture_output=True, text=True, timeout=300,
        )  # fmt: skip

    with StubOpenAIServer(answer) as a, StubOpenAIServer(answer) as b:
        done = society("--model", "openai:cli", "--base-url", a.base_url, "--base-url", b.base_url)
    assert done.returncode == 0, done.stderr
    assert a.requests and b.requests  # the two replicas shared the calls
    assert len(a.requests) + len(b.requests) == 20
    assert re.search(r"calls 20 · 0 in flight · \d+\.\d/s", done.stderr), done.stderr
    rules = society("--model", "rules")
    assert rules.returncode == 0 and "in flight" not in rules.stderr
