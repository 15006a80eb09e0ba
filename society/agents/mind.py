"""The one interface behind every decision: a Mind turns a request into a typed decision."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from pydantic import BaseModel

from society.core.decision import DecisionModel
from society.transcript.events import DecisionFailed, LLMCall

if TYPE_CHECKING:
    from society.prompts import RenderedPrompt


@dataclass(frozen=True)
class DecisionRequest:
    """What a mind is asked: which phase (and prompt), what the agent knows, which type to
    answer with. `context` holds facts of this phase only (e.g. the proposals to vote on);
    `validation_context` is passed to the decision model's validators (e.g. the stock as the
    largest allowed ask). `seed` keys any randomness the mind needs (stable across processes).
    `policy` is the phase's rule for rule-based minds (`Phase.rule`). `rendered` is this
    request's prompt when the agent graph already rendered it (fitting memories to the token
    budget): an LLM mind sends it instead of rendering the same prompt again."""

    phase: str
    prompt_id: str
    observation: BaseModel
    decision_type: type[DecisionModel]
    seed: str
    context: dict[str, Any] = field(default_factory=dict)
    validation_context: dict[str, Any] = field(default_factory=dict)
    policy: Callable[[DecisionRequest, random.Random], DecisionModel] | None = field(
        default=None, compare=False, repr=False
    )
    rendered: RenderedPrompt | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class TimedCall:
    event: LLMCall
    latency_s: float
    server: str | None = None  # the pool's server that answered or failed (timings only)


@dataclass(frozen=True)
class MindResult:
    """Either a decision or a failure, plus every model call made on the way."""

    decision: DecisionModel | None
    attempts: int
    calls: list[TimedCall] = field(default_factory=list)
    failure: DecisionFailed | None = None

    def __post_init__(self) -> None:
        if (self.decision is None) == (self.failure is None):
            raise ValueError("a MindResult holds exactly one of a decision and a failure")


@runtime_checkable
class Mind(Protocol):
    source: str  # "rules" or "llm", recorded on each decision
    label: str  # what drives it, e.g. "rules" or "openai:gpt-4o-mini"

    async def decide(self, request: DecisionRequest) -> MindResult: ...
