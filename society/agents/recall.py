"""Recalled memories as plain data: what the agent graph puts in a request's context and in
the `memory_retrieved` event (the provenance of a decision). Which query a phase asks is the
game's (its round memory builds the queries)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from memory import ScoredMemory

DIGITS = 6  # scores are rounded in events and prompts (stable text across platforms)


def as_entries(scored: Sequence[ScoredMemory]) -> list[dict[str, Any]]:
    """Recalled memories as plain data (pinned first, then best score first, as retrieved)."""
    return [
        {
            "id": m.item.id,
            "round": m.item.round,
            "kind": m.item.kind,
            "text": m.item.text,
            "score": round(m.score, DIGITS),
            "recency": round(m.recency, DIGITS),
            "importance": round(m.importance, DIGITS),
            "relevance": round(m.relevance, DIGITS),
            "pinned": m.pinned,
            "source_seq": m.item.source_seq,
            "about": m.item.about,
            "tags": list(m.item.tags),
        }
        for m in scored
    ]
