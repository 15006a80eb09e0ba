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
    norm_limit: float | None = None  # G(t) in force this round
    norm_text: str | None = None
    excluded: list[str] = Field(default_factory=list)


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
    # How the reply was constrained: json_schema / tool_calling (reply = the arguments JSON) /
    # json_mode / text. Cost in the price table's currency; None when the model has no price.
    output_mode: Literal["json_schema", "tool_calling", "json_mode", "text"] = "text"
    cost: float | None = None
    # Prompt budget (scenario memory.token_budget) and how many recalled memories were left
    # out of the prompt to fit it (lowest-scored first; pinned ones are always kept).
    token_budget: int | None = None
    memories_dropped: int = 0


class RecalledMemory(BaseModel):
    """One memory recalled for a decision, with the terms of its retrieval score."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    round: int
    kind: str
    text: str
    score: float
    recency: float
    importance: float
    relevance: float
    pinned: bool
    source_seq: int | None = None
    about: str | None = None  # the peer the memory is about, if any
    tags: list[str] = Field(default_factory=list)


class MemoryRetrieved(Event):
    """What an agent recalled before deciding in a phase (written just before its decision):
    the provenance of that decision. `dropped` counts memories left out of the prompt to fit
    the token budget (they are still listed here, last)."""

    kind: Literal["memory_retrieved"] = "memory_retrieved"
    agent: str
    phase: str
    query: str
    items: list[RecalledMemory]
    dropped: int = 0


class ReflectionStored(Event):
    """An agent's reflection at the end of a round, stored as a memory of kind 'reflection'."""

    kind: Literal["reflection"] = "reflection"
    agent: str
    text: str
    importance: float
    source: Literal["rules", "llm"]


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
    # Why: replies kept failing to parse/validate, the backend failed after its retries, or
    # the run's budget is spent (always policy 'abort': the run must end).
    reason: Literal[
        "unusable_reply", "backend_error", "backend_unavailable", "budget_exhausted"
    ] = "unusable_reply"


class HarvestResolved(Event):
    kind: Literal["harvest_resolved"] = "harvest_resolved"
    stock_before: float
    stock_after: float
    requested: dict[str, float]
    harvested: dict[str, float]
    rationed: bool
    skipped: list[str]
    excluded: list[str] = Field(default_factory=list)


class Inspection(Event):
    """A monitor learned a peer's harvest this round."""

    kind: Literal["inspection"] = "inspection"
    monitor: str
    target: str
    harvest: float
    norm_limit: float
    violated: bool
    cost: float


class ClaimRecord(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    about: str
    round: int
    harvest: float


class MessageSent(Event):
    """Gossip: delivered to the recipients as data; it never changes the rules."""

    kind: Literal["message"] = "message"
    sender: str
    to: str
    recipients: list[str]
    text: str
    claims: list[ClaimRecord]


class SanctionApplied(Event):
    kind: Literal["sanction"] = "sanction"
    punisher: str
    target: str
    target_harvest: float | None
    norm_limit: float
    step: int
    sanction: Literal["warning", "fine", "exclusion"]
    punisher_cost: float
    fine: float
    exclusion_rounds: int


class BallotDrawn(Event):
    """The proposals of this round, in agent-id order, as voters see them."""

    kind: Literal["ballot"] = "ballot"
    proposals: dict[str, dict[str, Any]]


class VoteResolved(Event):
    kind: Literal["vote"] = "vote"
    votes: dict[str, str]
    counts: dict[str, int]
    winner: str | None
    tied: list[str]


class NormAdopted(Event):
    """The winning proposal's text, broadcast verbatim; its limit is G(t+1)."""

    kind: Literal["norm_adopted"] = "norm_adopted"
    proposal: str
    proposer: str
    text: str
    limit: float
    previous_limit: float


class StrategyUpdated(Event):
    """Individual and social learning: an agent's strategy before and after, and whom it
    compared itself with or followed."""

    kind: Literal["strategy_updated"] = "strategy_updated"
    agent: str
    followed: str | None
    copied: bool
    copy_probability: float | None
    before: dict[str, Any]
    after: dict[str, Any]


class AgentJoined(Event):
    """A newcomer joins the commons (a group with joins_at > 1)."""

    kind: Literal["agent_joined"] = "agent_joined"
    agent: str
    group: str


class TownHallOpened(Event):
    kind: Literal["town_hall_opened"] = "town_hall_opened"
    catches: dict[str, float] | None
    first_speaker: str


class UtteranceMade(Event):
    kind: Literal["utterance"] = "utterance"
    speaker: str
    text: str
    proposed_limit: float | None
    next_speaker: str | None


class AgreementNoted(Event):
    """What an agent wrote down after the town hall; it keeps it in mind next round."""

    kind: Literal["agreement"] = "agreement"
    agent: str
    summary: str
    agreed_limit: float | None


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
    | MemoryRetrieved
    | ReflectionStored
    | Decision
    | DecisionFailed
    | HarvestResolved
    | Inspection
    | MessageSent
    | SanctionApplied
    | BallotDrawn
    | VoteResolved
    | NormAdopted
    | StrategyUpdated
    | AgentJoined
    | TownHallOpened
    | UtteranceMade
    | AgreementNoted
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
