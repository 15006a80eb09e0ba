"""Fault injection: with 20% faults of every kind a 10-agent, 10-round run completes, every
fault is an event, and no decision came from a default."""

from __future__ import annotations

import asyncio
import random
from pathlib import Path

import pytest
from conftest import scenario

from society.backends.faults import KINDS, FaultLog, FaultRates
from society.backends.stack import BackendOptions
from society.coordinator.runner import run_society
from society.scenario import Scenario
from society.testing import ScriptedChatModel, ScriptedRequest, effort_reply
from society.transcript import Decision, DecisionFailed, LLMCall, RunFinished, read_events
from society.transcript.writer import EVENTS_FILE

BACKEND_FAULTS = {"timeout": "InjectedTimeout", "rate_limit": "InjectedRateLimit"}
BACKEND_FAULTS["server_error"] = "InjectedServerError"


def ten_by_ten() -> Scenario:
    return scenario(
        "paper/_base.yaml",
        name="faulty",
        rounds=10,
        model={"name": "scripted:faulty", "backoff_s": 0, "max_retries": 5},
        llm={"retries": 3},
        population=[{"name": "villagers", "count": 10, "persona": "neutral"}],
    )


def jittery_model() -> ScriptedChatModel:
    # Different agents answer at different speeds, so completion order is scrambled.
    def latency(request: ScriptedRequest) -> float:
        return random.Random(f"{request.agent}{request.round}{request.attempt}").random() * 0.004

    def responder(request: ScriptedRequest) -> str:
        effort = 0.05 + 0.01 * int(request.agent.rsplit("-", 1)[1])
        return effort_reply(round(effort, 2), f"round {request.round}")

    return ScriptedChatModel(responder=responder, latency_s=latency)


def run(s: Scenario, out: Path, rates: FaultRates, log: FaultLog) -> Path:
    model = jittery_model()
    result = asyncio.run(
        run_society(
            s,
            out,
            chat_model_factory=lambda spec: model,
            backends=BackendOptions(faults=rates, fault_log=log),
        )
    )
    return result.run_dir


def test_twenty_percent_faults_of_every_kind(tmp_path: Path) -> None:
    rates = FaultRates(**{kind: 0.04 for kind in KINDS}, seed=11)  # 5 kinds × 4% = 20%
    log = FaultLog()
    run_dir = run(ten_by_ten(), tmp_path / "a", rates, log)
    events = list(read_events(run_dir))

    finished = next(e for e in events if isinstance(e, RunFinished))
    assert finished.rounds_completed == 10 and finished.end_reason == "round_limit"
    assert {f.kind for f in log.faults} == set(KINDS)
    calls = [e for e in events if isinstance(e, LLMCall)]
    assert len(log.faults) >= 0.1 * len(calls)

    # Every fault is an event: the call it hit is in the log, with the fault's effect.
    by_call = {(c.agent, c.round, c.phase, c.attempt): c for c in calls}
    for fault in log.faults:
        call = by_call[(fault.agent, fault.round, fault.phase, fault.attempt)]
        if fault.kind in BACKEND_FAULTS:
            assert call.reply is None
            assert call.error is not None and BACKEND_FAULTS[fault.kind] in call.error
            assert "injected fault" in call.error
        elif fault.kind == "empty":
            assert call.reply == "" and call.error == "the reply is empty"
        else:  # malformed: a truncated object, reported as unusable
            assert call.reply and call.parsed is None and call.error
    injected_backend = sum(f.kind in BACKEND_FAULTS for f in log.faults)
    injected_parse = len(log.faults) - injected_backend
    assert sum(c.reply is None for c in calls) == injected_backend
    assert sum(c.reply is not None and c.error is not None for c in calls) == injected_parse

    # No decision came from a default: each one is exactly what the last call of its turn
    # parsed, and every agent-round has a decision or an explicit failure.
    turns: dict[tuple[str, int, str], list[LLMCall]] = {}
    for call in calls:
        turns.setdefault((call.agent, call.round, call.phase), []).append(call)
    decided = set()
    for decision in (e for e in events if isinstance(e, Decision)):
        assert decision.source == "llm"
        last = turns[(decision.agent, decision.round, decision.phase)][-1]
        assert last.error is None and last.parsed == decision.decision
        assert decision.attempts == last.attempt
        decided.add((decision.agent, decision.round, decision.phase))
    failed = {(f.agent, f.round, f.phase) for f in events if isinstance(f, DecisionFailed)}
    assert decided | failed == set(turns) and not decided & failed

    # The same seed gives the same faults and a byte-identical transcript.
    again = run(ten_by_ten(), tmp_path / "b", rates, FaultLog())
    assert (again / EVENTS_FILE).read_bytes() == (run_dir / EVENTS_FILE).read_bytes()


def test_fault_spec_parsing() -> None:
    rates = FaultRates.parse("timeout=0.1, empty=0.05, seed=3")
    assert (rates.timeout, rates.empty, rates.malformed, rates.seed) == (0.1, 0.05, 0.0, 3)
    assert FaultRates.parse("all=0.2").rate_limit == pytest.approx(0.04)
    with pytest.raises(ValueError, match="unknown fault"):
        FaultRates.parse("gremlins=0.1")
    with pytest.raises(ValueError, match="sum to at most 1"):
        FaultRates(timeout=0.7, empty=0.7)
