"""The values that go in and out of an episodic memory: items, queries and scored results."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

_ID_DIGEST_BYTES = 8


def derive_item_id(agent: str, round: int, kind: str, source_seq: int | None, text: str) -> str:
    """The deterministic id of an item: readable prefix plus a BLAKE2b digest of its content.

    Python's `hash()` is salted per process, so it is never used here: the same item gets the
    same id in every process, which makes re-adding it after a resume a no-op.
    """
    payload = json.dumps([agent, round, kind, source_seq, text], ensure_ascii=False)
    digest = hashlib.blake2b(payload.encode("utf-8"), digest_size=_ID_DIGEST_BYTES).hexdigest()
    seq = "-" if source_seq is None else str(source_seq)
    return f"{agent}:{round}:{kind}:{seq}:{digest}"


class MemoryItem(BaseModel):
    """One memory of one agent.

    `id` is optional on input: when omitted it is derived from agent, round, kind, source_seq
    and text (see `derive_item_id`). `importance` is already scaled to [0, 1].
    `pinned` items are not ranked: the latest pinned item of each kind is always returned to its
    agent (see `memory.scoring.active_pinned`).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(min_length=1, description="unique within a store; derived when omitted")
    agent: str = Field(min_length=1)
    round: int = Field(ge=0)
    kind: str = Field(
        min_length=1,
        description="observation, outcome, message, sanction, vote, norm, reflection, ...",
    )
    text: str = Field(min_length=1)
    importance: float = Field(ge=0.0, le=1.0, allow_inf_nan=False)
    source_seq: int | None = Field(
        default=None, ge=0, description="seq of the transcript event the memory came from"
    )
    pinned: bool = Field(
        default=False, description="always returned; a later pinned item of the same kind wins"
    )
    about: str | None = Field(
        default=None,
        min_length=1,
        description="the other agent this memory is about, if any (e.g. the inspected peer)",
    )
    tags: tuple[str, ...] = Field(
        default=(),
        description="what the memory says about `about`, in words a rule can test, e.g. "
        "('violation',); minds without a model act on these instead of reading the text",
    )

    @field_validator("tags")
    @classmethod
    def _plain_tags(cls, tags: tuple[str, ...]) -> tuple[str, ...]:
        for tag in tags:
            if not tag or "," in tag:
                raise ValueError(f"a tag is a non-empty word without commas, got {tag!r}")
        return tags

    @model_validator(mode="before")
    @classmethod
    def _derive_id(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("id") is None:
            try:
                derived = derive_item_id(
                    data["agent"], data["round"], data["kind"], data.get("source_seq"), data["text"]
                )
            except KeyError:
                return data  # the missing field is reported by the field validation
            return {**data, "id": derived}
        return data


class MemoryQuery(BaseModel):
    """What one agent wants to recall at `now_round`.

    Only items with `round <= now_round` are considered. `kinds` restricts the ranked top-k;
    the agent's pinned items are returned whatever their kind unless `include_pinned` is off.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    agent: str = Field(min_length=1)
    text: str
    k: int = Field(ge=0, description="how many ranked (non-pinned) memories to return")
    now_round: int = Field(ge=0)
    kinds: frozenset[str] | None = Field(
        default=None, description="only rank items of these kinds (None: all kinds)"
    )
    include_pinned: bool = True


class ScoredMemory(BaseModel):
    """A retrieved item with the terms of its score (see `memory.scoring`).

    `pinned` is true when the item was returned because it is the agent's current pinned item
    of its kind, not because of its score.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    item: MemoryItem
    recency: float
    importance: float
    relevance: float
    score: float
    pinned: bool
