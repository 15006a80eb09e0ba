"""Structured output and reply repair: what small models really write, turned into decisions
or into precise errors (never into a guessed value)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from conftest import scenario
from langchain_core.messages import AIMessage

from society.agents.parsing import parse_reply, repair_json
from society.coordinator.runner import run_society
from society.games.commons.decisions import AmountHarvest, EffortHarvest
from society.testing import ScriptedChatModel, ScriptedRequest, effort_reply
from society.transcript import Decision, LLMCall, read_events

REPAIRABLE = [
    ('{"effort": 0.2, "rationale": "ok"}', False),
    ('```json\n{"effort": 0.2, "rationale": "ok"}\n```', True),
    ('Here you go:\n{"effort": 0.2, "rationale": "ok"}\nThanks!', True),
    ('{"effort": 0.2, "rationale": "ok",}', True),
    ("{'effort': 0.2, 'rationale': 'ok'}", True),
    ('{effort: 0.2, rationale: "ok", inspect: None}', True),
    ("{“effort”: 0.2, “rationale”: “ok”}", True),
    ('{"name": "EffortHarvest", "arguments": {"effort": 0.2, "rationale": "ok"}}', False),
    ('{"EffortHarvest": {"effort": 0.2, "rationale": "ok"}}', False),
]


@pytest.mark.parametrize(("text", "repaired"), REPAIRABLE)
def test_common_damage_is_repaired(text: str, repaired: bool) -> None:
    parsed = parse_reply(text, EffortHarvest, {})
    assert parsed.error is None, parsed.error
    assert parsed.decision == EffortHarvest(effort=0.2, rationale="ok")
    assert parsed.repaired is repaired


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("", "the reply is empty"),
        ("   \n", "the reply is empty"),
        ("I will fish a lot!", "the reply contains no JSON object"),
        ("[0.2]", "the reply must be a JSON object"),
        ('{"effort": 0.', "the JSON object is malformed"),
        ('{"effort": 1.5, "rationale": "x"}', "'effort' Input should be less than or equal to 1"),
        ('{"effort": 0.2}', "'rationale' is required"),
        ('{"effort": 0.2, "rationale": "x", "bonus": 1}', "'bonus' is not an allowed key"),
    ],
)
def test_what_cannot_be_repaired_is_a_precise_error(text: str, error: str) -> None:
    parsed = parse_reply(text, EffortHarvest, {})
    assert parsed.decision is None and error in (parsed.error or "")


def test_repairs_never_touch_double_quoted_strings() -> None:
    text = '{"rationale": "it\'s {odd}, True, None,", "effort": 0.1,}'
    assert json.loads(repair_json(text)) == {"rationale": "it's {odd}, True, None,", "effort": 0.1}
    parsed = parse_reply(text, EffortHarvest, {})
    assert parsed.decision is not None and parsed.decision.rationale == "it's {odd}, True, None,"


def test_validation_uses_the_phase_context() -> None:
    reply = '{"amount": 12, "rationale": "x"}'
    assert parse_reply(reply, AmountHarvest, {"max_amount": 20}).decision is not None
    too_many = parse_reply(reply, AmountHarvest, {"max_amount": 10})
    assert "between 0 and 10" in (too_many.error or "")


def test_tool_calling_mode_records_the_arguments(tmp_path: Path) -> None:
    """A model in tool-calling mode is offered the decision as a tool; the call's arguments
    are the recorded reply. A model that answers in prose instead is parsed and re-asked."""

    def responder(request: ScriptedRequest) -> AIMessage | str:
        assert [t["function"]["name"] for t in request.tools] == ["EffortHarvest"]
        if request.agent == "villagers-2" and request.attempt == 1:
            return "I think I will take 0.3 of effort."  # no tool call: re-asked
        args = {"effort": 0.3, "rationale": "tool"}
        return AIMessage(
            content="", tool_calls=[{"name": "EffortHarvest", "args": args, "id": "1"}]
        )

    fake = ScriptedChatModel(responder=responder)
    s = scenario(
        "paper/_base.yaml",
        name="tools",
        rounds=1,
        model={"name": "scripted:tools", "structured_output": "tool_calling"},
        population=[{"name": "villagers", "count": 3}],
    )
    result = asyncio.run(run_society(s, tmp_path, chat_model_factory=lambda spec: fake))
    events = list(read_events(result.run_dir))
    calls = [e for e in events if isinstance(e, LLMCall)]
    first = next(c for c in calls if c.agent == "villagers-1")
    assert first.output_mode == "tool_calling"
    assert json.loads(first.reply or "") == {"effort": 0.3, "rationale": "tool"}
    prose, fixed = [c for c in calls if c.agent == "villagers-2"]
    assert prose.error == "the reply contains no JSON object" and fixed.parsed is not None
    assert all(d.decision["effort"] == 0.3 for d in events if isinstance(d, Decision))


def test_a_model_without_structured_output_fails_at_setup() -> None:
    from society.backends.resolve import BackendError
    from society.coordinator.runner import build_minds

    class Plain(ScriptedChatModel):
        def bind_tools(self, tools, **kwargs):  # type: ignore[no-untyped-def]
            raise NotImplementedError("no tools here")

    s = scenario(
        "paper/_base.yaml",
        model={"name": "scripted:plain", "structured_output": "tool_calling"},
    )
    plain = Plain(script={("*", "*"): [effort_reply(0.1)]})
    with pytest.raises(BackendError, match="does not support structured_output 'tool_calling'"):
        build_minds(s, factory=lambda spec: plain)


def test_repairs_are_recorded_in_the_event_and_counted_from_it(tmp_path: Path) -> None:
    """The parser's repair goes into the llm_call event (left out of the JSON while False, so
    older transcripts keep their bytes); the usage counts it without re-parsing the reply."""
    from society.analysis.usage import llm_usage

    fenced = f"```json\n{effort_reply(0.2)}\n```"
    fake = ScriptedChatModel(
        script={("villagers-1", "*"): [fenced], ("*", "*"): [effort_reply(0.2)]}
    )
    s = scenario(
        "paper/_base.yaml",
        name="repairs",
        rounds=1,
        model={"name": "scripted:repairs"},
        population=[{"name": "villagers", "count": 2}],
    )
    result = asyncio.run(run_society(s, tmp_path, chat_model_factory=lambda spec: fake))
    lines = (result.run_dir / "events.jsonl").read_text(encoding="utf-8").splitlines()
    calls = [json.loads(line) for line in lines if '"kind":"llm_call"' in line]
    assert {c["agent"]: c.get("repaired") for c in calls} == {
        "villagers-1": True,
        "villagers-2": None,  # default: not written
    }
    events = list(read_events(result.run_dir))
    usage = llm_usage(events)
    assert usage.repaired_replies == 1 and usage.by_agent["villagers-1"].repaired_replies == 1
    # A transcript written before the field existed: its calls read back as not repaired.
    old = [e.model_copy(update={"repaired": False}) if isinstance(e, LLMCall) else e for e in events]
    assert llm_usage(old).repaired_replies == 0


def test_a_field_added_to_an_event_is_left_out_while_default() -> None:
    from society.transcript.events import Event, added_field

    class Later(Event):
        kind: str = "later"
        note: str | None = added_field(None)
        count: int = added_field(0)

    assert json.loads(Later(round=1).model_dump_json()) == {
        "schema_version": 1,
        "kind": "later",
        "run_id": "",
        "round": 1,
        "seq": -1,
    }
    assert Later(round=1, count=2).model_dump()["count"] == 2
    assert Later.model_validate_json('{"kind": "later", "round": 1}').count == 0
