"""LLM minds: render a prompt file, call a LangChain chat model, parse into the decision type.

A reply that does not parse or validate is re-asked with the error; after the retries the
result is an explicit failure carrying the raw reply. It never becomes a default action.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage

from society import tokens
from society.agents.decisions import DecisionModel
from society.agents.mind import DecisionRequest, MindResult, TimedCall
from society.agents.parsing import parse_reply
from society.prompts import PromptLibrary, PromptMessage, RenderedPrompt
from society.scenario.schema import LLMSettings
from society.transcript.events import ChatMessageRecord, DecisionFailed, LLMCall

LANGCHAIN_MESSAGE = {"system": SystemMessage, "user": HumanMessage, "assistant": AIMessage}
REPAIR_PROMPT = "repair"


class LLMMind:
    source = "llm"

    def __init__(
        self,
        model: BaseChatModel,
        label: str,
        prompts: PromptLibrary,
        settings: LLMSettings,
        *,
        backoff_s: float = 1.0,
    ) -> None:
        self.model = model
        self.label = label
        self.prompts = prompts
        self.settings = settings
        self.backoff_s = backoff_s

    async def decide(self, request: DecisionRequest) -> MindResult:
        rendered = self.prompts.render(
            request.prompt_id,
            view=request.observation,
            context=request.context,
            schema=_schema_hint(request.decision_type),
        )
        messages = list(rendered.messages)
        calls: list[TimedCall] = []
        attempts = self.settings.retries + 1
        last_reply: str | None = None
        last_error = "no attempt was made"
        for attempt in range(1, attempts + 1):
            started = time.perf_counter()
            try:
                reply = await self.model.ainvoke(
                    _to_langchain(messages),
                    config={"metadata": _call_metadata(request, rendered.prompt_id, attempt)},
                )
            except Exception as error:  # any backend failure is recorded and retried
                latency = time.perf_counter() - started
                last_error = f"backend error: {type(error).__name__}: {error}"
                calls.append(
                    TimedCall(
                        self._event(
                            request, rendered, attempt, messages, None, None, last_error, None
                        ),
                        latency,
                    )
                )
                if attempt < attempts:
                    await asyncio.sleep(self.backoff_s * 2 ** (attempt - 1))
                continue
            latency = time.perf_counter() - started
            text = _text_of(reply)
            last_reply = text
            parsed = parse_reply(text, request.decision_type, request.validation_context)
            decision_dump = parsed.decision.model_dump() if parsed.decision else None
            calls.append(
                TimedCall(
                    self._event(
                        request,
                        rendered,
                        attempt,
                        messages,
                        text,
                        decision_dump,
                        parsed.error,
                        reply,
                    ),
                    latency,
                )
            )
            if parsed.decision is not None:
                return MindResult(decision=parsed.decision, attempts=attempt, calls=calls)
            last_error = f"unusable reply: {parsed.error}"
            repair = self.prompts.render(
                REPAIR_PROMPT, error=parsed.error, schema=_schema_hint(request.decision_type)
            )
            messages = [*messages, PromptMessage("assistant", text), *repair.messages]
        failure = DecisionFailed(
            round=request.observation.round,
            agent=request.observation.agent,
            phase=request.phase,
            attempts=attempts,
            last_reply=last_reply,
            error=last_error,
            policy=self.settings.on_failure,
        )
        return MindResult(decision=None, attempts=attempts, calls=calls, failure=failure)

    def _event(
        self,
        request: DecisionRequest,
        rendered: RenderedPrompt,
        attempt: int,
        messages: list[PromptMessage],
        reply_text: str | None,
        parsed: dict[str, Any] | None,
        error: str | None,
        reply: BaseMessage | None,
    ) -> LLMCall:
        usage = getattr(reply, "usage_metadata", None) if reply is not None else None
        if usage:
            input_tokens, output_tokens, source = (
                usage["input_tokens"],
                usage["output_tokens"],
                "provider",
            )
        else:
            encoding = self.settings.token_encoding
            input_tokens = tokens.count_messages([m.content for m in messages], encoding)
            output_tokens = tokens.count_text(reply_text or "", encoding)
            source = "tiktoken"
        return LLMCall(
            round=request.observation.round,
            agent=request.observation.agent,
            phase=request.phase,
            model=self.label,
            prompt_id=rendered.prompt_id,
            template_sha256=rendered.template_sha256,
            attempt=attempt,
            messages=[ChatMessageRecord(role=m.role, content=m.content) for m in messages],
            reply=reply_text,
            parsed=parsed,
            error=error,
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            token_source=source,
        )


def _call_metadata(request: DecisionRequest, prompt_id: str, attempt: int) -> dict[str, Any]:
    """Passed to the model's callbacks: tracing tools and scripted fakes see who asks what."""
    return {
        "society_agent": request.observation.agent,
        "society_round": request.observation.round,
        "society_prompt_id": prompt_id,
        "society_attempt": attempt,
    }


def _to_langchain(messages: list[PromptMessage]) -> list[BaseMessage]:
    return [LANGCHAIN_MESSAGE[m.role](content=m.content) for m in messages]


def _text_of(reply: BaseMessage) -> str:
    content = reply.content
    if isinstance(content, str):
        return content
    parts = [part if isinstance(part, str) else str(part.get("text", "")) for part in content]
    return "".join(parts)


def _schema_hint(decision_type: type[DecisionModel]) -> list[dict[str, str]]:
    """Field names, types and descriptions for the prompt, taken from the decision model."""
    hint = []
    for name, field in decision_type.model_fields.items():
        annotation = getattr(field.annotation, "__name__", str(field.annotation))
        hint.append({"name": name, "type": annotation, "description": field.description or ""})
    return hint
