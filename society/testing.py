"""Test helpers for users and for this project's own tests.

`ScriptedChatModel` is a LangChain chat model that answers by (agent, prompt id) rather than by
call order, so concurrent agents get their own scripts, and it can return malformed replies,
raise errors or wait a fixed latency on purpose.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from pydantic import ConfigDict, Field, PrivateAttr

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


Reply = str | BaseException
Responder = Callable[[ScriptedRequest], Reply]


class ScriptedChatModel(BaseChatModel):
    """Replies from `script`: (agent or "*", prompt id or "*") -> replies, used in order per
    (agent, prompt id), the last one repeating; or from `responder(request)` if given.
    An exception in place of a reply is raised (a backend failure)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    script: dict[tuple[str, str], list[Reply]] = Field(default_factory=dict)
    responder: Responder | None = None
    latency_s: float | Callable[[ScriptedRequest], float] = 0.0
    model_label: str = "scripted"

    _counts: dict[tuple[str, str], int] = PrivateAttr(default_factory=dict)
    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)
    _requests: list[ScriptedRequest] = PrivateAttr(default_factory=list)

    @property
    def _llm_type(self) -> str:
        return "society-scripted"

    @property
    def requests(self) -> list[ScriptedRequest]:
        return list(self._requests)

    def _request(self, messages: list[BaseMessage], metadata: dict[str, Any]) -> ScriptedRequest:
        agent = str(metadata.get("society_agent", ANY))
        prompt_id = str(metadata.get("society_prompt_id", ANY))
        attempt = int(metadata.get("society_attempt", 1))
        round_number = int(metadata.get("society_round", 0))
        with self._lock:
            index = self._counts.get((agent, prompt_id), 0)
            self._counts[(agent, prompt_id)] = index + 1
            request = ScriptedRequest(agent, prompt_id, attempt, round_number, messages, index)
            self._requests.append(request)
        return request

    def _latency(self, request: ScriptedRequest) -> float:
        return self.latency_s(request) if callable(self.latency_s) else self.latency_s

    def _reply(self, request: ScriptedRequest) -> ChatResult:
        reply = self.responder(request) if self.responder is not None else self._scripted(request)
        if isinstance(reply, BaseException):
            raise reply
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=reply))])

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
        request = self._request(messages, run_manager.metadata if run_manager is not None else {})
        time.sleep(self._latency(request))
        return self._reply(request)

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        request = self._request(messages, run_manager.metadata if run_manager is not None else {})
        await asyncio.sleep(self._latency(request))
        return self._reply(request)


def effort_reply(effort: float, rationale: str = "scripted") -> str:
    return f'{{"effort": {effort}, "rationale": "{rationale}"}}'


def amount_reply(amount: int, rationale: str = "scripted") -> str:
    return f'{{"amount": {amount}, "rationale": "{rationale}"}}'
