"""The backend seam: what a mind asks a model, what comes back, and how calls fail.

A `ChatBackend` answers one `ChatRequest` with one `ChatReply`. The innermost backend wraps a
LangChain chat model; every cross-cutting concern (retries, per-call timeout, concurrency cap,
run budget, cost meter, record/replay, fault injection) is another `ChatBackend` wrapping an
inner one, composed by `society.backends.stack.build_backend`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

from society.backends.secrets import redact

if TYPE_CHECKING:  # kept out of the import graph: the LLM mind imports this module
    from society.core.decision import Choice, DecisionModel, Limit
    from society.prompts import PromptMessage

OutputMode = Literal["json_schema", "tool_calling", "json_mode", "text"]
TokenSource = Literal["provider", "tiktoken"]


@dataclass(frozen=True)
class ChatRequest:
    """One call: the exact messages, the decision type expected, and who asks (for callbacks,
    scripted fakes, replay and fault seeding). `attempt` numbers the calls of one decision."""

    messages: tuple[PromptMessage, ...]
    decision_type: type[DecisionModel] | None
    agent: str
    round: int
    phase: str
    prompt_id: str
    attempt: int = 1
    omit_fields: tuple[str, ...] = ()
    # Allowed values of fields naming members or proposals (DecisionModel.choices).
    choices: tuple[Choice, ...] = ()
    limits: tuple[Limit, ...] = ()  # caps on counts and lengths (DecisionModel.limits)

    def metadata(self) -> dict[str, Any]:
        """Passed to the model's callbacks: tracing tools and scripted fakes see who asks."""
        return {
            "society_agent": self.agent,
            "society_round": self.round,
            "society_phase": self.phase,
            "society_prompt_id": self.prompt_id,
            "society_attempt": self.attempt,
        }

    def at_attempt(self, attempt: int) -> ChatRequest:
        return replace(self, attempt=attempt)

    def where(self) -> str:
        return (
            f"agent {self.agent}, round {self.round}, phase {self.phase}, "
            f"prompt {self.prompt_id!r}, attempt {self.attempt}"
        )


@dataclass(frozen=True)
class FailedTry:
    """A call that raised (rate limit, server error, timeout...); retried or final."""

    attempt: int
    error: str  # "ErrorType: message", secrets redacted
    latency_s: float
    transient: bool
    server: str | None = None  # the pool's server that raised it (timings.jsonl only)


@dataclass(frozen=True)
class ChatReply:
    """The raw reply text (for tool calls: the arguments as JSON) and what it cost."""

    text: str
    input_tokens: int | None = None
    output_tokens: int | None = None
    # Of the input tokens, those the provider read from its prompt cache (when it says so).
    cached_input_tokens: int | None = None
    token_source: TokenSource = "provider"
    cost: float | None = None
    mode: OutputMode = "text"
    latency_s: float = 0.0
    attempt: int = 1
    failed_tries: tuple[FailedTry, ...] = field(default=())
    server: str | None = None  # the pool's server that answered (timings.jsonl only)


@runtime_checkable
class ChatBackend(Protocol):
    label: str  # the model name recorded in events, e.g. "openai:gpt-4o-mini"
    mode: OutputMode  # the structured-output mode of its requests

    async def complete(self, request: ChatRequest) -> ChatReply: ...


class Wrapper:
    """Base of the wrappers: keeps the inner backend and its label."""

    def __init__(self, inner: ChatBackend) -> None:
        self.inner = inner
        self.label = inner.label
        self.mode: OutputMode = getattr(inner, "mode", "text")

    async def complete(self, request: ChatRequest) -> ChatReply:  # pragma: no cover - abstract
        return await self.inner.complete(request)


class CallFailed(Exception):
    """No reply: a permanent error, or transient errors until the retries ran out.
    `tries` lists every failed call in order (the last one is why it stopped)."""

    def __init__(self, tries: list[FailedTry]) -> None:
        super().__init__(tries[-1].error if tries else "call failed")
        self.tries = tries


class BudgetExhausted(Exception):
    """The run's budget (calls, tokens or cost) is spent: no further call is made.
    `tries` lists calls of this decision that failed before the budget said no."""

    def __init__(self, reason: str, tries: list[FailedTry] | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.tries = tries or []


class ReplayMiss(Exception):
    """Replay mode found no recorded reply for a request. Ends the run: replay never calls out."""


class TransientError(Exception):
    """An error worth retrying after a wait (rate limit, server error, timeout)."""

    status_code: int | None = None
    retry_after: float | None = None


def describe_error(error: BaseException) -> str:
    """'Type: message' with secrets redacted. Replayed errors describe themselves as recorded."""
    recorded = getattr(error, "recorded_description", None)
    if isinstance(recorded, str):
        return recorded
    message = str(error).strip() or repr(error)
    return redact(f"{type(error).__name__}: {message}")
