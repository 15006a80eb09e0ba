"""The LLM mind through the real graphs, driven by a scripted fake chat model."""

from __future__ import annotations

import asyncio
import hashlib
import re
from pathlib import Path

from conftest import ROOT, scenario

from society.coordinator.runner import RunResult, run_society
from society.games.commons.events import HarvestResolved
from society.scenario import Scenario
from society.testing import ScriptedChatModel, ScriptedRequest, amount_reply, effort_reply
from society.transcript import (
    Decision,
    DecisionFailed,
    Event,
    LLMCall,
    RunFinished,
    RunStarted,
    read_events,
)

AGENT = "villagers-01"


def llm_scenario(relative: str = "paper/rich-altruistic.yaml", **overrides: object) -> Scenario:
    return scenario(relative, model={"name": "scripted:test"}, **overrides)


def run(s: Scenario, fake: ScriptedChatModel, tmp_path: Path) -> tuple[RunResult, list[Event]]:
    result = asyncio.run(
        run_society(s, tmp_path, chat_model_factory=lambda spec: fake, backoff_s=0)
    )
    return result, list(read_events(result.run_dir))


def of(
    events: list[Event], kind: type, agent: str | None = None, round_number: int | None = None
) -> list:
    return [
        e
        for e in events
        if isinstance(e, kind)
        and (agent is None or getattr(e, "agent", None) == agent)
        and (round_number is None or e.round == round_number)
    ]


def test_good_reply_becomes_the_typed_decision(tmp_path: Path) -> None:
    fake = ScriptedChatModel(
        script={
            (AGENT, "harvest_effort"): [effort_reply(0.25, "steady")],
            ("*", "*"): [effort_reply(0.1)],
        }
    )
    result, events = run(llm_scenario(rounds=2), fake, tmp_path)

    decision = of(events, Decision, AGENT, 1)[0]
    assert decision.source == "llm"
    assert decision.decision == {"effort": 0.25, "inspect": None, "rationale": "steady"}
    call = of(events, LLMCall, AGENT, 1)[0]
    assert call.prompt_id == "harvest_effort"
    # The hash covers the template and every partial it includes (recursively), by name.
    found, pending = set(), ["harvest_effort"]
    while pending:
        name = pending.pop()
        found.add(name)
        text = (ROOT / "prompts" / f"{name}.j2").read_text(encoding="utf-8")
        pending += [n for n in re.findall(r'include "([^"]+)\.j2"', text) if n not in found]
    digest = hashlib.sha256()
    for name in sorted(found):
        digest.update(f"{name}\0{(ROOT / 'prompts' / f'{name}.j2').read_text()}\0".encode())
    assert "partials/system" in found
    assert call.template_sha256 == digest.hexdigest()
    assert [m.role for m in call.messages] == ["system", "user"]
    assert "Round 1." in call.messages[1].content
    assert call.parsed == {"effort": 0.25, "inspect": None, "rationale": "steady"}
    assert call.input_tokens > 50 and call.output_tokens > 0
    assert call.token_source == "tiktoken"
    harvest = of(events, HarvestResolved, round_number=1)[0]
    # h = α·e·R = 0.1 · 0.25 · 300
    assert abs(harvest.harvested[AGENT] - 7.5) < 1e-9
    assert result.metrics.decisions_by_source == {"llm": 20}
    started = of(events, RunStarted)[0]
    assert {a.model for a in started.agents} == {"scripted:test"}


def test_malformed_reply_is_retried_with_the_error(tmp_path: Path) -> None:
    fake = ScriptedChatModel(
        script={
            (AGENT, "harvest_effort"): ["I will fish a lot!", effort_reply(0.3)],
            ("*", "*"): [effort_reply(0.1)],
        }
    )
    _, events = run(llm_scenario(rounds=1), fake, tmp_path)

    calls = of(events, LLMCall, AGENT)
    assert [c.attempt for c in calls] == [1, 2]
    assert calls[0].parsed is None and calls[0].error == "the reply contains no JSON object"
    repair = calls[1].messages[-1]
    assert repair.role == "user" and "the reply contains no JSON object" in repair.content
    assert calls[1].messages[-2].content == "I will fish a lot!"
    assert of(events, Decision, AGENT)[0].attempts == 2


def test_out_of_range_value_is_rejected_not_clamped(tmp_path: Path) -> None:
    fake = ScriptedChatModel(
        script={
            (AGENT, "harvest_effort"): [effort_reply(1.5), effort_reply(0.5)],
            ("*", "*"): [effort_reply(0.1)],
        }
    )
    _, events = run(llm_scenario(rounds=1), fake, tmp_path)
    first = of(events, LLMCall, AGENT)[0]
    assert (
        first.parsed is None
        and "'effort'" in (first.error or "")
        and "less than or equal to 1" in (first.error or "")
    )
    assert of(events, Decision, AGENT)[0].decision["effort"] == 0.5


def test_unusable_replies_become_a_recorded_failure_never_a_default(tmp_path: Path) -> None:
    bad = ['{"effort": "lots"}', "```json\n{effort: 0.2,}\n```", "no idea"]
    fake = ScriptedChatModel(
        script={(AGENT, "harvest_effort"): bad, ("*", "*"): [effort_reply(0.1)]}
    )
    _, events = run(llm_scenario(rounds=2), fake, tmp_path)

    failures = of(events, DecisionFailed, AGENT)
    assert len(failures) == 2  # both rounds: the last bad reply repeats
    failure = failures[0]
    assert failure.policy == "skip" and failure.attempts == 3
    assert failure.last_reply == "no idea"
    assert "unusable reply" in failure.error
    assert not of(events, Decision, AGENT)
    harvest = of(events, HarvestResolved, round_number=1)[0]
    assert harvest.skipped == [AGENT]
    assert AGENT not in harvest.requested and AGENT not in harvest.harvested
    assert len(of(events, LLMCall, AGENT, 1)) == 3


def test_abort_policy_ends_the_run(tmp_path: Path) -> None:
    fake = ScriptedChatModel(
        script={(AGENT, "harvest_effort"): ["nope"], ("*", "*"): [effort_reply(0.1)]}
    )
    s = llm_scenario(rounds=5, llm={"retries": 1, "on_failure": "abort"})
    result, events = run(s, fake, tmp_path)

    assert of(events, DecisionFailed, AGENT)[0].policy == "abort"
    finished = of(events, RunFinished)[0]
    assert finished.end_reason == "aborted" and finished.rounds_completed == 0
    assert not of(events, HarvestResolved)
    assert result.metrics.end_reason == "aborted"
    assert result.metrics.llm.failed_decisions == 1


def test_backend_errors_are_recorded_and_retried(tmp_path: Path) -> None:
    fake = ScriptedChatModel(
        script={
            (AGENT, "harvest_effort"): [TimeoutError("backend timed out"), effort_reply(0.2)],
            ("*", "*"): [effort_reply(0.1)],
        }
    )
    result, events = run(llm_scenario(rounds=1), fake, tmp_path)
    calls = of(events, LLMCall, AGENT)
    assert (
        calls[0].reply is None
        and calls[0].error == "backend error: TimeoutError: backend timed out"
    )
    assert calls[1].parsed == {"effort": 0.2, "inspect": None, "rationale": "scripted"}
    assert result.metrics.llm.backend_errors == 1


def test_amount_above_the_stock_is_rejected(tmp_path: Path) -> None:
    agent = "fishers-1"
    fake = ScriptedChatModel(
        script={
            (agent, "harvest_amount"): [amount_reply(250), amount_reply(12)],
            ("*", "*"): [amount_reply(5)],
        }
    )
    _, events = run(llm_scenario("govsim/fishery.yaml", rounds=1), fake, tmp_path)
    first = of(events, LLMCall, agent)[0]
    assert first.prompt_id == "harvest_amount"
    assert "between 0 and 100" in (first.error or "")
    assert of(events, HarvestResolved)[0].harvested[agent] == 12.0


def test_each_group_uses_its_own_model(tmp_path: Path) -> None:
    s = scenario(
        "demo.yaml",
        rounds=1,
        institutions={},  # harvest only: the scripted models answer effort replies
        population=[
            {
                "name": "altruists",
                "count": 2,
                "persona": "altruistic",
                "model": {"name": "scripted:a"},
            },
            {"name": "selfish", "count": 2, "persona": "selfish", "model": {"name": "scripted:b"}},
            {"name": "robots", "count": 1, "persona": "neutral"},
        ],
    )
    fakes = {
        "scripted:a": ScriptedChatModel(script={("*", "*"): [effort_reply(0.1, "model a")]}),
        "scripted:b": ScriptedChatModel(script={("*", "*"): [effort_reply(0.9, "model b")]}),
    }
    result = asyncio.run(
        run_society(s, tmp_path, chat_model_factory=lambda spec: fakes[spec.name], backoff_s=0)
    )
    events = list(read_events(result.run_dir))
    models = {a.id: a.model for a in of(events, RunStarted)[0].agents}
    assert models == {
        "altruists-1": "scripted:a",
        "altruists-2": "scripted:a",
        "selfish-1": "scripted:b",
        "selfish-2": "scripted:b",
        "robots-1": "rules",
    }
    decisions = {d.agent: d for d in of(events, Decision)}
    assert decisions["altruists-1"].decision["rationale"] == "model a"
    assert decisions["selfish-2"].decision["rationale"] == "model b"
    assert decisions["robots-1"].source == "rules"
    assert {r.agent for r in fakes["scripted:a"].requests} == {"altruists-1", "altruists-2"}
    assert {r.agent for r in fakes["scripted:b"].requests} == {"selfish-1", "selfish-2"}


def test_concurrent_agents_are_written_in_agent_order(tmp_path: Path) -> None:
    # Agent 10 answers first, agent 01 last; the log must still be in agent-id order.
    def latency(request: ScriptedRequest) -> float:
        return 0.005 * (11 - int(request.agent.rsplit("-", 1)[1]))

    fake = ScriptedChatModel(script={("*", "*"): [effort_reply(0.2)]}, latency_s=latency)
    _, events = run(llm_scenario(rounds=1), fake, tmp_path)
    order = [e.agent for e in of(events, Decision)]
    assert order == sorted(order)
    assert [e.seq for e in events] == list(range(len(events)))
