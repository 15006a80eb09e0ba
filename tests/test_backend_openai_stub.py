"""A short mixed-model society through the real `ChatOpenAI` client against an OpenAI-compatible
HTTP server started on 127.0.0.1 by the test (scripted replies, token usage, a rate limit)."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

from conftest import scenario

from society.backends.resolve import init_chat_model_factory
from society.backends.stack import resolve_mode
from society.coordinator.runner import run_society
from society.scenario.schema import ModelSpec
from society.testing import StubOpenAIServer, StubReply, StubRequest
from society.transcript import Decision, LLMCall, RunStarted, read_events

AGENT_NAME = re.compile(r"You are (\S+?),")


def agent_of(request: StubRequest) -> str:
    system = next(m["content"] for m in request.messages if m["role"] == "system")
    match = AGENT_NAME.search(system)
    return match.group(1) if match else "?"


def test_mixed_models_through_chat_openai(tmp_path: Path) -> None:
    rate_limited: set[str] = set()

    def responder(request: StubRequest) -> StubReply:
        agent = agent_of(request)
        if agent == "fishers-1" and agent not in rate_limited:  # one 429, then fine
            rate_limited.add(agent)
            return StubReply(status=429, error="slow down", retry_after=0)
        effort = 0.1 if request.model == "small-model" else 0.2
        reply = json.dumps({"effort": effort, "rationale": f"from {request.model}"})
        return StubReply(content=reply, prompt_tokens=321, completion_tokens=17)

    with StubOpenAIServer(responder) as server:
        s = scenario(
            "paper/_base.yaml",
            name="stub-society",
            rounds=2,
            population=[
                {
                    "name": "fishers",
                    "count": 2,
                    "model": {"name": "openai:small-model", "base_url": server.base_url},
                },
                {
                    "name": "traders",
                    "count": 2,
                    "model": {
                        "name": "openai:big-model",
                        "base_url": server.base_url,
                        "structured_output": "tool_calling",
                        "temperature": 0.0,
                        "seed": 7,
                    },
                },
                {"name": "elders", "count": 1, "persona": "altruistic"},
            ],
        )
        result = asyncio.run(
            run_society(s, tmp_path, chat_model_factory=init_chat_model_factory, backoff_s=0)
        )
        requests = list(server.requests)

    events = list(read_events(result.run_dir))
    started = next(e for e in events if isinstance(e, RunStarted))
    assert {a.id: a.model for a in started.agents} == {
        "fishers-1": "openai:small-model",
        "fishers-2": "openai:small-model",
        "traders-1": "openai:big-model",
        "traders-2": "openai:big-model",
        "elders-1": "rules",
    }
    # The model names reached the server, each from its own group's agents.
    seen = {(agent_of(r), r.model) for r in requests}
    assert seen == {
        ("fishers-1", "small-model"),
        ("fishers-2", "small-model"),
        ("traders-1", "big-model"),
        ("traders-2", "big-model"),
    }
    # auto → json_schema for openai; the traders asked for tool calling.
    small = [r for r in requests if r.model == "small-model"]
    big = [r for r in requests if r.model == "big-model"]
    assert {r.response_format for r in small} == {"json_schema"}
    assert {tuple(r.tool_names) for r in big} == {("EffortHarvest",)}
    assert all(r.body.get("seed") == 7 and r.body.get("temperature") == 0.0 for r in big)

    calls = [e for e in events if isinstance(e, LLMCall)]
    by_agent = {c.agent: c.model for c in calls}
    assert by_agent["fishers-2"] == "openai:small-model"
    assert by_agent["traders-1"] == "openai:big-model"
    good = [c for c in calls if c.error is None]
    assert all(c.token_source == "provider" and c.input_tokens == 321 for c in good)
    assert {c.output_mode for c in good if c.model == "openai:big-model"} == {"tool_calling"}
    assert {c.output_mode for c in good if c.model == "openai:small-model"} == {"json_schema"}
    # A tool call is recorded as its arguments JSON.
    trader_call = next(c for c in good if c.agent == "traders-1")
    assert json.loads(trader_call.reply or "") == {"effort": 0.2, "rationale": "from big-model"}

    # The 429 is an event, retried by the backend (attempt 2), not a re-ask.
    first, second = [c for c in calls if c.agent == "fishers-1" and c.round == 1]
    assert first.reply is None and "RateLimitError" in (first.error or "")
    assert second.attempt == 2 and second.parsed is not None
    assert second.messages == first.messages

    decisions = {(d.agent, d.round): d for d in events if isinstance(d, Decision)}
    assert decisions[("traders-2", 2)].decision["rationale"] == "from big-model"
    assert decisions[("elders-1", 1)].source == "rules"
    usage = result.metrics.llm
    assert set(usage.by_model) == {"openai:small-model", "openai:big-model"}
    assert usage.by_model["openai:small-model"].backend_retries == 1
    assert usage.backend_errors == 1 and usage.unusable_replies == 0


def test_auto_structured_output_per_provider() -> None:
    def mode(name: str, **extra: object) -> str:
        return resolve_mode(ModelSpec.model_validate({"name": name, **extra}))

    assert mode("openai:gpt-4o-mini") == "json_schema"
    assert mode("openai:local", base_url="http://127.0.0.1:8000/v1") == "json_schema"
    assert mode("anthropic:claude-sonnet-4-5") == "tool_calling"
    assert mode("ollama:llama3.1") == "json_schema"
    assert mode("google_genai:gemini-2.5-flash") == "json_schema"
    assert mode("groq:llama-3.1-8b") == "text"  # unknown provider: JSON in text
    assert mode("openai:gpt-4o-mini", structured_output="text") == "text"


def test_several_runs_in_one_process_share_no_http_client(tmp_path: Path) -> None:
    # langchain-openai caches an async HTTP client per base URL, bound to the first event loop;
    # every run here gets its own, so a second asyncio.run does not fail with a closed loop.
    reply = json.dumps({"effort": 0.1, "rationale": "again"})
    with StubOpenAIServer(lambda request: reply) as server:
        s = scenario(
            "paper/_base.yaml",
            rounds=1,
            model={"name": "openai:m", "base_url": server.base_url},
            population=[{"name": "v", "count": 2}],
        )
        for index in range(2):
            result = asyncio.run(run_society(s, tmp_path / str(index)))
            assert result.metrics.llm.backend_errors == 0
            assert result.metrics.decisions_by_source == {"llm": 2}


def test_structured_output_schema_names_the_phase_choices(tmp_path: Path) -> None:
    """The json_schema sent to the server lists, per agent, whom it may inspect (its peers or
    null): a server with constrained decoding cannot name anyone else."""

    def responder(request: StubRequest) -> StubReply:
        return StubReply(content=json.dumps({"effort": 0.1, "inspect": None, "rationale": "ok"}))

    with StubOpenAIServer(responder) as server:
        s = scenario(
            "paper/_base.yaml",
            name="stub-choices",
            rounds=1,
            institutions={"monitoring": {"enabled": True}},
            population=[
                {
                    "name": "fishers",
                    "count": 3,
                    "model": {"name": "openai:m", "base_url": server.base_url},
                }
            ],
        )
        asyncio.run(
            run_society(s, tmp_path, chat_model_factory=init_chat_model_factory, backoff_s=0)
        )
        requests = list(server.requests)
    everyone = {"fishers-1", "fishers-2", "fishers-3"}
    assert len(requests) == 3
    for request in requests:
        schema = request.body["response_format"]["json_schema"]["schema"]
        allowed = schema["properties"]["inspect"]["enum"]
        assert set(allowed) == (everyone - {agent_of(request)}) | {None}


def test_decision_schema_restricts_nested_and_list_fields() -> None:
    from society.backends.chat_model import decision_schema
    from society.games.commons.decisions import Respond, Vote

    context = {"peers": ["a", "b"], "punishable": ["b"], "ballot": {"P1": {}, "P2": {}}}
    respond = decision_schema(Respond, (), Respond.choices(context))
    message = respond["$defs"]["Message"]["properties"]
    assert message["to"]["enum"] == ["all", "a", "b"]
    assert respond["$defs"]["Claim"]["properties"]["about"]["enum"] == ["a", "b"]
    assert respond["properties"]["punish"]["items"]["enum"] == ["b"]
    nobody = decision_schema(Respond, (), Respond.choices({**context, "punishable": []}))
    assert nobody["properties"]["punish"]["maxItems"] == 0
    capped = {**context, "max_messages": 2, "max_chars": 300, "round": 4}
    bounded = decision_schema(Respond, (), Respond.choices(capped), Respond.limits(capped))
    assert bounded["properties"]["messages"]["maxItems"] == 2
    assert bounded["$defs"]["Message"]["properties"]["text"]["maxLength"] == 300
    assert bounded["properties"]["punish"]["uniqueItems"] is True
    assert bounded["$defs"]["Claim"]["properties"]["round"]["maximum"] == 4
    vote = decision_schema(Vote, (), Vote.choices(context))
    assert vote["properties"]["proposal"]["enum"] == ["P1", "P2"]
    # The model class's own schema is untouched (each call works on a copy).
    assert "enum" not in Vote.model_json_schema()["properties"]["proposal"]
