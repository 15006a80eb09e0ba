"""Test helpers for users and for this project's own tests.

`ScriptedChatModel` is a LangChain chat model that answers by (agent, prompt id) rather than by
call order, so concurrent agents get their own scripts, and it can return malformed replies,
raise errors or wait a fixed latency on purpose. It counts the calls in flight (to check
concurrency caps) and supports tool calling (reply with an `AIMessage` carrying `tool_calls`).

`StubOpenAIServer` is an OpenAI-compatible HTTP server on 127.0.0.1 (stdlib only, in a thread)
with scripted replies and token usage: point `ChatOpenAI` (or a scenario's `base_url`) at it to
test the real client path offline. `FaultRates` (re-exported) injects faults into any backend.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.runnables import Runnable
from pydantic import ConfigDict, Field, PrivateAttr

from society.backends.faults import FaultLog, FaultRates, InjectedFault

__all__ = [
    "ANY",
    "FaultLog",
    "FaultRates",
    "InjectedFault",
    "ScriptedChatModel",
    "ScriptedRequest",
    "StubOpenAIServer",
    "StubRequest",
    "amount_reply",
    "effort_reply",
]

ANY = "*"


@dataclass(frozen=True)
class ScriptedRequest:
    """What the scripted model sees of one call."""

    agent: str
    prompt_id: str
    attempt: int
    round: int
    messages: Sequence[BaseMessage]
    index: int  # how many calls this (agent, prompt id) made before this one
    tools: Sequence[Any] = ()  # tools offered (tool calling / structured output)


Reply = str | AIMessage | BaseException
Responder = Callable[[ScriptedRequest], Reply]


class ScriptedChatModel(BaseChatModel):
    """Replies from `script`: (agent or "*", prompt id or "*") -> replies, used in order per
    (agent, prompt id), the last one repeating; or from `responder(request)` if given.
    An exception in place of a reply is raised (a backend failure); an `AIMessage` is returned
    as it is (e.g. with `tool_calls`). `usage` (input, output) adds provider token usage."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    script: dict[tuple[str, str], list[Any]] = Field(default_factory=dict)  # lists of Reply
    responder: Responder | None = None
    latency_s: float | Callable[[ScriptedRequest], float] = 0.0
    model_label: str = "scripted"
    usage: tuple[int, int] | None = None

    _counts: dict[tuple[str, str], int] = PrivateAttr(default_factory=dict)
    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)
    _requests: list[ScriptedRequest] = PrivateAttr(default_factory=list)
    _in_flight: int = PrivateAttr(default=0)
    _max_in_flight: int = PrivateAttr(default=0)

    @property
    def _llm_type(self) -> str:
        return "society-scripted"

    @property
    def requests(self) -> list[ScriptedRequest]:
        return list(self._requests)

    @property
    def max_in_flight(self) -> int:
        """The most calls that were in progress at the same time."""
        return self._max_in_flight

    def bind_tools(self, tools: Sequence[Any], **kwargs: Any) -> Runnable:
        """Tools in OpenAI's format reach the responder as `request.tools`."""
        from langchain_core.utils.function_calling import convert_to_openai_tool

        return self.bind(tools=[convert_to_openai_tool(t) for t in tools], **kwargs)

    def _enter(self) -> None:
        with self._lock:
            self._in_flight += 1
            self._max_in_flight = max(self._max_in_flight, self._in_flight)

    def _leave(self) -> None:
        with self._lock:
            self._in_flight -= 1

    def _request(
        self, messages: list[BaseMessage], metadata: dict[str, Any], tools: Sequence[Any] = ()
    ) -> ScriptedRequest:
        agent = str(metadata.get("society_agent", ANY))
        prompt_id = str(metadata.get("society_prompt_id", ANY))
        attempt = int(metadata.get("society_attempt", 1))
        round_number = int(metadata.get("society_round", 0))
        with self._lock:
            index = self._counts.get((agent, prompt_id), 0)
            self._counts[(agent, prompt_id)] = index + 1
            request = ScriptedRequest(
                agent, prompt_id, attempt, round_number, messages, index, tuple(tools)
            )
            self._requests.append(request)
        return request

    def _latency(self, request: ScriptedRequest) -> float:
        return self.latency_s(request) if callable(self.latency_s) else self.latency_s

    def _reply(self, request: ScriptedRequest) -> ChatResult:
        reply = self.responder(request) if self.responder is not None else self._scripted(request)
        if isinstance(reply, BaseException):
            raise reply
        message = reply if isinstance(reply, AIMessage) else AIMessage(content=reply)
        if self.usage is not None and message.usage_metadata is None:
            message = message.model_copy(
                update={
                    "usage_metadata": {
                        "input_tokens": self.usage[0],
                        "output_tokens": self.usage[1],
                        "total_tokens": sum(self.usage),
                    }
                }
            )
        return ChatResult(generations=[ChatGeneration(message=message)])

    def _scripted(self, request: ScriptedRequest) -> Reply:
        for key in (
            (request.agent, request.prompt_id),
            (request.agent, ANY),
            (ANY, request.prompt_id),
            (ANY, ANY),
        ):
            if key in self.script:
                replies = self.script[key]
                return replies[min(request.index, len(replies) - 1)]
        raise LookupError(
            f"no scripted reply for agent {request.agent!r}, prompt {request.prompt_id!r}"
        )

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        metadata = run_manager.metadata if run_manager is not None else {}
        request = self._request(messages, metadata, kwargs.get("tools", ()))
        self._enter()
        try:
            time.sleep(self._latency(request))
            return self._reply(request)
        finally:
            self._leave()

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        metadata = run_manager.metadata if run_manager is not None else {}
        request = self._request(messages, metadata, kwargs.get("tools", ()))
        self._enter()
        try:
            await asyncio.sleep(self._latency(request))
            return self._reply(request)
        finally:
            self._leave()


def effort_reply(effort: float, rationale: str = "scripted") -> str:
    return f'{{"effort": {effort}, "rationale": "{rationale}"}}'


def amount_reply(amount: int, rationale: str = "scripted") -> str:
    return f'{{"amount": {amount}, "rationale": "{rationale}"}}'


def governance_reply(request: ScriptedRequest) -> str | None:
    """A valid reply to the norm and learning prompts (propose: a limit of 3; vote: P1; learn:
    a modest strategy with a reflection naming the round); None for any other prompt, which
    the caller's responder answers."""
    if request.prompt_id == "propose":
        return json.dumps({"text": "Take at most 3.", "limit": 3, "rationale": "safe"})
    if request.prompt_id == "vote":
        return json.dumps({"proposal": "P1", "rationale": "fine"})
    if request.prompt_id == "learn":
        return json.dumps(
            {
                "followed": None,
                "strategy": "Take little and watch the stock.",
                "personal_limit": 3,
                "rationale": "the stock matters",
                "reflection": f"Round {request.round}: taking little keeps the lake full.",
            }
        )
    return None


# --- an OpenAI-compatible HTTP server for tests ---------------------------------------------


@dataclass(frozen=True)
class StubRequest:
    """One POST /v1/chat/completions the stub received."""

    model: str
    messages: list[dict[str, Any]]
    body: dict[str, Any]
    headers: dict[str, str]

    @property
    def tool_names(self) -> list[str]:
        return [t["function"]["name"] for t in self.body.get("tools", [])]

    @property
    def response_format(self) -> str | None:
        fmt = self.body.get("response_format")
        return fmt.get("type") if isinstance(fmt, dict) else None


@dataclass(frozen=True)
class StubReply:
    """What the stub answers: text content, or a tool call with `arguments` (a JSON string),
    or an HTTP error `status` with `error` as the message; `retry_after` adds that header.
    `cached_tokens` reports that many of the prompt tokens as read from a prompt cache
    (`usage.prompt_tokens_details.cached_tokens`, as OpenAI and llama.cpp do)."""

    content: str | None = None
    tool_arguments: str | None = None
    status: int = 200
    error: str = ""
    retry_after: float | None = None
    prompt_tokens: int = 100
    completion_tokens: int = 20
    cached_tokens: int | None = None


StubResponder = Callable[[StubRequest], StubReply | str]


@dataclass
class StubOpenAIServer:
    """`with StubOpenAIServer(responder) as server:` then use `server.base_url`
    (http://127.0.0.1:PORT/v1). `responder(request)` returns a `StubReply` or plain text.
    A structured request gets its reply as the tool call when tools were offered.
    `kill()` makes the server die as a crashed process would: requests in flight get their
    connection closed with no response, and new connections are refused. `answered` counts
    the replies sent."""

    responder: StubResponder
    requests: list[StubRequest] = field(default_factory=list)
    answered: int = 0
    _server: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _dead: bool = False
    _url: str | None = None
    _stopper: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        assert self._url is not None, "the server is not started"
        return self._url

    @property
    def dead(self) -> bool:
        return self._dead

    def kill(self) -> None:
        """Stop answering at once (in flight: connection dropped) and refuse connections.
        Safe to call from the responder (a handler thread) or from the test."""
        with self._lock:
            if self._dead:
                return
            self._dead = True
        server = self._server
        if server is not None:
            # Stopped from another thread: shutdown() waits for serve_forever, which a handler
            # must not do. Until the socket is closed, a request that gets in is dropped.
            def stop() -> None:
                server.shutdown()
                server.server_close()

            self._stopper = threading.Thread(target=stop, daemon=True)
            self._stopper.start()

    def __enter__(self) -> StubOpenAIServer:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # quiet
                pass

            def do_GET(self) -> None:
                if self.path.rstrip("/").endswith("/models"):
                    self._send(200, {"object": "list", "data": []})
                else:
                    self._send(404, {"error": {"message": "not found"}})

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", "0"))
                body = json.loads(self.rfile.read(length) or b"{}")
                if not self.path.rstrip("/").endswith("/chat/completions"):
                    self._send(404, {"error": {"message": f"no route {self.path}"}})
                    return
                request = StubRequest(
                    model=str(body.get("model")),
                    messages=body.get("messages", []),
                    body=body,
                    headers={k.lower(): v for k, v in self.headers.items()},
                )
                with stub._lock:
                    stub.requests.append(request)
                try:
                    reply = stub.responder(request)
                except Exception as error:  # a broken responder is a 500, not a hang
                    reply = StubReply(status=500, error=f"stub responder failed: {error}")
                if isinstance(reply, str):
                    reply = StubReply(content=reply)
                if stub._dead:  # killed meanwhile: drop the connection, send nothing
                    self.close_connection = True
                    return
                if reply.status != 200:
                    headers = {}
                    if reply.retry_after is not None:
                        headers["retry-after"] = str(reply.retry_after)
                    self._send(
                        reply.status,
                        {"error": {"message": reply.error, "type": "stub_error"}},
                        headers,
                    )
                    return
                self._send(200, _completion(request, reply))

            def _send(
                self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None
            ) -> None:
                data = json.dumps(payload).encode()
                with stub._lock:
                    if stub._dead:
                        self.close_connection = True
                        return
                    stub.answered += status == 200
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        host, port = self._server.server_address[:2]
        self._url = f"http://{host}:{port}/v1"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._server is not None and not self._dead:
            self._server.shutdown()
            self._server.server_close()
        if self._stopper is not None:
            self._stopper.join(timeout=5)
        if self._thread is not None:
            self._thread.join(timeout=5)


def _completion(request: StubRequest, reply: StubReply) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": reply.content}
    finish = "stop"
    arguments = reply.tool_arguments
    if arguments is None and request.tool_names and reply.content is not None:
        arguments, message["content"] = reply.content, None
    if arguments is not None and request.tool_names:
        message["tool_calls"] = [
            {
                "id": f"call_{len(request.messages)}",
                "type": "function",
                "function": {"name": request.tool_names[0], "arguments": arguments},
            }
        ]
        finish = "tool_calls"
    usage: dict[str, Any] = {
        "prompt_tokens": reply.prompt_tokens,
        "completion_tokens": reply.completion_tokens,
        "total_tokens": reply.prompt_tokens + reply.completion_tokens,
    }
    if reply.cached_tokens is not None:
        usage["prompt_tokens_details"] = {"cached_tokens": reply.cached_tokens}
    return {
        "id": "chatcmpl-stub",
        "object": "chat.completion",
        "created": 0,
        "model": request.model,
        "choices": [{"index": 0, "message": message, "finish_reason": finish}],
        "usage": usage,
    }
