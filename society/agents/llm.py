"""LLM minds: render a prompt file, ask a model backend, parse into the decision type.

A reply that does not parse or validate is re-asked with the error; after the retries the
result is an explicit failure carrying the raw reply. It never becomes a default action.

The mind only renders, parses and records. Retries on rate limits and server errors, the
per-call timeout, the concurrency cap, the run budget, cost metering, record/replay and fault
injection are wrappers around the chat model (`society.backends.stack`). Every call the
backend made, failed tries included, becomes an `llm_call` event.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from langchain_core.language_models import BaseChatModel

from society import tokens
from society.agents.mind import DecisionRequest, MindResult, TimedCall
from society.agents.parsing import parse_reply
from society.backends.base import (
    BudgetExhausted,
    CallFailed,
    ChatBackend,
    ChatReply,
    ChatRequest,
    FailedTry,
)
from society.core.decision import DecisionModel
from society.prompts import PromptLibrary, PromptMessage, RenderedPrompt
from society.scenario.models import LLMSettings
from society.transcript.events import ChatMessageRecord, DecisionFailed, LLMCall

REPAIR_PROMPT = "repair"


STOPPING_REASONS = frozenset({"budget_exhausted", "backend_unavailable"})


class LLMMind:
    source = "llm"

    def __init__(
        self,
        model: ChatBackend | BaseChatModel,
        label: str,
        prompts: PromptLibrary,
        settings: LLMSettings,
        *,
        backoff_s: float = 1.0,
    ) -> None:
        """`model` is a wrapped backend (see `society.coordinator.minds.build_mind`) or a bare LangChain
        chat model, which gets the default wrappers (retries with `backoff_s`)."""
        if isinstance(model, BaseChatModel):
            model = _default_backend(model, label, settings, backoff_s)
        self.backend: ChatBackend = model
        self.label = label
        self.prompts = prompts
        self.settings = settings

    def render(self, request: DecisionRequest) -> RenderedPrompt:
        if request.rendered is not None:
            return request.rendered
        return render_request(self.prompts, request)

    async def decide(self, request: DecisionRequest) -> MindResult:
        rendered = self.render(request)
        omit = tuple(request.context.get("omit_fields", ()))
        # The facts the validators check replies against; the schema states them up front.
        facts = request.validation_context or request.context
        choices = request.decision_type.choices(facts)
        limits = request.decision_type.limits(facts)
        messages = list(rendered.messages)
        calls: list[TimedCall] = []
        attempt = 1  # numbers every call of this decision, failed tries included
        last_reply: str | None = None
        last_error = "no attempt was made"
        for _ in range(self.settings.retries + 1):
            chat = ChatRequest(
                messages=tuple(messages),
                decision_type=request.decision_type,
                agent=request.observation.agent,
                round=request.observation.round,
                phase=request.phase,
                prompt_id=rendered.prompt_id,
                attempt=attempt,
                omit_fields=omit,
                choices=choices,
                limits=limits,
            )
            try:
                reply = await self.backend.complete(chat)
            except BudgetExhausted as stop:
                calls += [self._failed(request, rendered, messages, t) for t in stop.tries]
                made = attempt + len(stop.tries) - 1
                return self._failure(
                    request, made, last_reply, stop.reason, calls, reason="budget_exhausted"
                )
            except CallFailed as failed:
                calls += [self._failed(request, rendered, messages, t) for t in failed.tries]
                made = attempt + len(failed.tries) - 1
                error = f"backend error: {failed.tries[-1].error}"
                # Transient errors until the retries ran out: the backend is down, not this
                # turn's fault; the run stops (resumable) instead of skipping every turn.
                down = failed.tries[-1].transient
                return self._failure(
                    request,
                    made,
                    last_reply,
                    error,
                    calls,
                    reason="backend_unavailable" if down else "backend_error",
                )
            calls += [self._failed(request, rendered, messages, t) for t in reply.failed_tries]
            attempt = reply.attempt
            last_reply = reply.text
            parsed = parse_reply(reply.text, request.decision_type, request.validation_context)
            decision_dump = parsed.decision.model_dump() if parsed.decision else None
            calls.append(
                TimedCall(
                    self._event(
                        request,
                        rendered,
                        attempt,
                        messages,
                        reply,
                        decision_dump,
                        parsed.error,
                        repaired=parsed.repaired,
                    ),
                    reply.latency_s,
                    reply.server,
                )
            )
            if parsed.decision is not None:
                return MindResult(decision=parsed.decision, attempts=attempt, calls=calls)
            last_error = f"unusable reply: {parsed.error}"
            repair = self.prompts.render(
                REPAIR_PROMPT,
                error=parsed.error,
                schema=_schema_hint(request.decision_type, omit),
            )
            messages = [*messages, PromptMessage("assistant", reply.text), *repair.messages]
            attempt += 1
        return self._failure(request, attempt - 1, last_reply, last_error, calls)

    def _failure(
        self,
        request: DecisionRequest,
        attempts: int,
        last_reply: str | None,
        error: str,
        calls: list[TimedCall],
        *,
        reason: str = "unusable_reply",
    ) -> MindResult:
        failure = DecisionFailed(
            round=request.observation.round,
            agent=request.observation.agent,
            phase=request.phase,
            attempts=attempts,  # calls made; 0 when the budget refused the first one
            last_reply=last_reply,
            error=error,
            # A spent budget or a backend that is down cannot be skipped past: the run ends.
            policy="abort" if reason in STOPPING_REASONS else self.settings.on_failure,
            reason=reason,  # type: ignore[arg-type]
        )
        return MindResult(decision=None, attempts=attempts, calls=calls, failure=failure)

    def _failed(
        self,
        request: DecisionRequest,
        rendered: RenderedPrompt,
        messages: list[PromptMessage],
        failed: FailedTry,
    ) -> TimedCall:
        """A call that raised: recorded with no reply and no tokens (nothing was returned)."""
        event = LLMCall(
            round=request.observation.round,
            agent=request.observation.agent,
            phase=request.phase,
            model=self.label,
            prompt_id=rendered.prompt_id,
            template_sha256=rendered.template_sha256,
            attempt=failed.attempt,
            messages=[ChatMessageRecord(role=m.role, content=m.content) for m in messages],
            reply=None,
            parsed=None,
            error=f"backend error: {failed.error}",
            input_tokens=0,
            output_tokens=0,
            token_source="tiktoken",
            output_mode=getattr(self.backend, "mode", "text"),
        )
        return TimedCall(event, failed.latency_s, failed.server)

    def _event(
        self,
        request: DecisionRequest,
        rendered: RenderedPrompt,
        attempt: int,
        messages: list[PromptMessage],
        reply: ChatReply,
        parsed: dict[str, Any] | None,
        error: str | None,
        *,
        repaired: bool = False,
    ) -> LLMCall:
        input_tokens, output_tokens = reply.input_tokens, reply.output_tokens
        source = reply.token_source
        if input_tokens is None or output_tokens is None:  # a backend without the meter
            encoding = self.settings.token_encoding
            input_tokens = tokens.count_messages([m.content for m in messages], encoding)
            output_tokens = tokens.count_text(reply.text, encoding)
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
            reply=reply.text,
            parsed=parsed,
            error=error,
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            cached_input_tokens=reply.cached_input_tokens or 0,
            token_source=source,
            output_mode=reply.mode,
            cost=reply.cost,
            repaired=repaired,
        )


def render_request(prompts: PromptLibrary, request: DecisionRequest) -> RenderedPrompt:
    """The prompt of a decision request, exactly as an LLM mind sends it (dry runs reuse it)."""
    return prompts.render(
        request.prompt_id,
        view=request.observation,
        context=request.context,
        schema=_schema_hint(request.decision_type, request.context.get("omit_fields", ())),
    )


def _default_backend(
    model: BaseChatModel, label: str, settings: LLMSettings, backoff_s: float
) -> ChatBackend:
    from society.backends.stack import BackendOptions, RunBackends, build_backend
    from society.scenario.models import ModelSpec

    spec = ModelSpec(name=label, structured_output="text")
    run = RunBackends(settings, BackendOptions(backoff_s=backoff_s))
    run.reserve_cap(spec)
    return build_backend(spec, run, lambda _: model)


def _schema_hint(
    decision_type: type[DecisionModel], omit: Sequence[str] = ()
) -> list[dict[str, str]]:
    """Field names, types and descriptions for the prompt, taken from the decision model.
    Fields the phase does not offer (e.g. 'inspect' without monitoring) are left out."""
    hint = []
    for name, field in decision_type.model_fields.items():
        if name in omit:
            continue
        annotation = getattr(field.annotation, "__name__", str(field.annotation))
        hint.append({"name": name, "type": annotation, "description": field.description or ""})
    return hint
