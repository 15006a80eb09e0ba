"""Typed transcript events: one pydantic model per kind; the core's kinds are here.

Games and institutions define their own kinds in their packages and list them
(`Game.event_types()`); the reader parses a run's events with the core's kinds plus its game's
(`kinds_for`). A kind nobody registered is read as an `UnknownEvent` that keeps every field,
so `inspect` and the report can show it generically instead of failing.

Every event carries `schema_version`, `run_id`, `round` and `seq` (its position in the log).
Wall-clock values (latencies, timestamps) are kept out of events so that the same seed gives a
byte-identical log; they go to the `timings.jsonl` sidecar keyed by `seq`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

EVENT_SCHEMA_VERSION = 1


class Event(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    schema_version: Literal[1] = EVENT_SCHEMA_VERSION
    kind: str
    run_id: str = ""
    round: int = Field(ge=0)
    seq: int = -1


def added_field(default: bool | int | float | str | None, **options: Any) -> Any:
    """A field added to an event kind after transcripts were written: left out of the JSON
    while it holds its (immutable) `default`, so every transcript written before it stays
    byte-identical, and its digests with it; an old line reads back with the default. The
    check runs in pydantic-core (`exclude_if`), only for the fields declared so."""
    return Field(default, exclude_if=lambda value: value == default, **options)


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
    # The reply's JSON parsed only after a repair (fences, prose, trailing commas...; see
    # `society.agents.parsing`). Recorded when the reply is parsed, so the usage counts need
    # no parser. Transcripts written before this field say nothing of repairs (read: False).
    repaired: bool = added_field(False)
    # Of input_tokens, those the provider read from its prompt cache, as it reports them
    # (OpenAI, llama.cpp: usage.prompt_tokens_details.cached_tokens); 0 when it says nothing.
    cached_input_tokens: int = added_field(0, ge=0)


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


class AgentJoined(Event):
    """A newcomer joins the commons (a group with joins_at > 1)."""

    kind: Literal["agent_joined"] = "agent_joined"
    agent: str
    group: str


class RoleAssigned(Event):
    """An agent takes a role (`society.core.roles`): fixed by its population group, or won
    in an election. It holds the role from `since` to `until` (inclusive; None: to the end)."""

    kind: Literal["role_assigned"] = "role_assigned"
    agent: str
    role: str
    since: int
    until: int | None = None
    how: str = "fixed"  # fixed (population group) | elected


class RoleEnded(Event):
    """An agent no longer holds a role: its term ran out, or it left the society."""

    kind: Literal["role_ended"] = "role_ended"
    agent: str
    role: str
    reason: str  # term | left


class RunFinished(Event):
    """The run's last event. A game may add its own summary fields after these (the commons
    adds `final_stock`); they are kept as given."""

    model_config = ConfigDict(extra="allow", frozen=True)

    kind: Literal["run_finished"] = "run_finished"
    rounds_completed: int
    end_reason: str


class UnknownEvent(Event):
    """An event of a kind no registered game or institution defines: every field kept."""

    model_config = ConfigDict(extra="allow", frozen=True)


CORE_EVENTS: tuple[type[Event], ...] = (
    RunStarted,
    LLMCall,
    MemoryRetrieved,
    ReflectionStored,
    Decision,
    DecisionFailed,
    AgentJoined,
    RoleAssigned,
    RoleEnded,
    RunFinished,
)

EventKinds = Mapping[str, type[Event]]


def kind_of(event_type: type[Event]) -> str:
    return event_type.model_fields["kind"].default


def kinds(*groups: Iterable[type[Event]]) -> dict[str, type[Event]]:
    """Kind -> model for the core's events and the given groups; a later group's kind
    replaces an earlier one's (a game may refine a core kind)."""
    found = {kind_of(t): t for t in CORE_EVENTS}
    for group in groups:
        found.update((kind_of(t), t) for t in group)
    return found


CORE_KINDS: dict[str, type[Event]] = kinds()
_KIND = re.compile(rb'"kind"\s*:\s*"([^"\\]*)"')


def parse_event(data: dict[str, Any] | str | bytes, known: EventKinds | None = None) -> Event:
    """One event from its JSON line or dict, typed by its kind (`known`: kind -> model; by
    default the core's kinds and the default game's, for events read without their run)."""
    table = known if known is not None else kinds_for(None)
    if isinstance(data, str | bytes):
        raw = data.encode() if isinstance(data, str) else data
        found = _KIND.search(raw)
        kind = found.group(1).decode() if found else None
        model = table.get(kind, UnknownEvent) if kind is not None else UnknownEvent
        return model.model_validate_json(raw)
    model = table.get(data.get("kind"), UnknownEvent)  # type: ignore[arg-type]
    return model.model_validate(data)


def kinds_for(game: str | None) -> dict[str, type[Event]]:
    """The kinds a run of `game` may write: the core's, the game's and its institutions'."""
    from society.core.institution import event_types
    from society.core.registry import game_named

    found = game_named(game)
    return kinds(found.event_types(), event_types(found.name))
