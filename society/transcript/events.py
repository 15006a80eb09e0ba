"""Typed transcript events: one pydantic model per kind.

Every event carries `schema_version`, `run_id`, `round` and `seq` (its position in the log).
Wall-clock values (latencies, timestamps) are kept out of events so that the same seed gives a
byte-identical log; they go to the `timings.jsonl` sidecar keyed by `seq`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

EVENT_SCHEMA_VERSION = 1


class Event(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    schema_version: Literal[1] = EVENT_SCHEMA_VERSION
    kind: str
    run_id: str = ""
    round: int = Field(ge=0)
    seq: int = -1


class AgentInfo(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    group: str
    persona: str
    model: str


class RunStarted(Event):
    kind: Literal["run_started"] = "run_started"
    scenario_name: str
    seed: int
    scenario: dict[str, Any]
    scenario_sha256: str
    agents: list[AgentInfo]
    society_version: str


class RoundStarted(Event):
    kind: Literal["round_started"] = "round_started"
    stock: float
    alive: list[str]


class ChatMessageRecord(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    role: Literal["system", "user", "assistant"]
    content: str


class LLMCall(Event):
    """One request to a chat model: the exact messages, the raw reply, and what parsing made of it."""

    kind: Literal["llm_call"] = "llm_call"
    agent: str
    phase: str
    model: str
    prompt_id: str
    template_sha256: str
    attempt: int = Field(ge=1)
    messages: list[ChatMessageRecord]
    reply: str | None
    parsed: dict[str, Any] | None
    error: str | None
    input_tokens: int
    output_tokens: int
    token_source: Literal["provider", "tiktoken"]


class Decision(Event):
    kind: Literal["decision"] = "decision"
    agent: str
    phase: str
    source: Literal["rules", "llm"]
    decision: dict[str, Any]
    attempts: int = Field(ge=1)


class DecisionFailed(Event):
    """No usable decision after every retry. The scenario's failure policy was applied."""

    kind: Literal["decision_failed"] = "decision_failed"
    agent: str
    phase: str
    attempts: int
    last_reply: str | None
    error: str
    policy: Literal["skip", "abort"]


class HarvestResolved(Event):
    kind: Literal["harvest_resolved"] = "harvest_resolved"
    stock_before: float
    stock_after: float
    requested: dict[str, float]
    harvested: dict[str, float]
    rationed: bool
    skipped: list[str]


class PayoffsSettled(Event):
    kind: Literal["payoffs_settled"] = "payoffs_settled"
    consumption: float
    payoffs: dict[str, float]
    starved: list[str]


class AgentDied(Event):
    kind: Literal["agent_died"] = "agent_died"
    agent: str
    payoff: float


class Regrowth(Event):
    kind: Literal["regrowth"] = "regrowth"
    stock_before: float
    stock_after: float


class RoundFinished(Event):
    kind: Literal["round_finished"] = "round_finished"
    stock: float
    alive: list[str]
    end_reason: str | None


class RunFinished(Event):
    kind: Literal["run_finished"] = "run_finished"
    rounds_completed: int
    end_reason: str
    final_stock: float


AnyEvent = Annotated[
    RunStarted
    | RoundStarted
    | LLMCall
    | Decision
    | DecisionFailed
    | HarvestResolved
    | PayoffsSettled
    | AgentDied
    | Regrowth
    | RoundFinished
    | RunFinished,
    Field(discriminator="kind"),
]
EVENT_ADAPTER: TypeAdapter[AnyEvent] = TypeAdapter(AnyEvent)


def parse_event(data: dict[str, Any] | str | bytes) -> Event:
    if isinstance(data, str | bytes):
        return EVENT_ADAPTER.validate_json(data)
    return EVENT_ADAPTER.validate_python(data)
