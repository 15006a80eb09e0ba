"""Prompt budgets: fit a call's recalled memories within a token budget.

The prompt is rendered with every recalled memory; while it is over the budget, the
lowest-scored memory that is not pinned is dropped (pinned ones, such as the current norm,
always stay) and the prompt is counted again. Counting uses `society.tokens` (offline
tiktoken), the same count the `llm_call` event reports for a backend without a meter.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from society import tokens


@dataclass(frozen=True)
class Fitted:
    memories: list[dict[str, Any]]  # kept, in their recalled order
    dropped: list[dict[str, Any]]  # left out, lowest score first
    prompt_tokens: int
    budget: int


def fit_memories(
    memories: Sequence[dict[str, Any]],
    render: Callable[[list[dict[str, Any]]], Sequence[str]],
    budget: int,
    encoding: str = "cl100k_base",
) -> Fitted:
    """Keep as many memories as fit: `render(memories)` gives the messages' contents.

    Each round of dropping removes at least the memories whose own tokens cover the excess, so
    a prompt is rendered a handful of times at most. If the prompt is still over the budget
    with only pinned memories left, it is sent as it is (the budget is a target, not a cap on
    the situation itself)."""
    kept = list(memories)
    dropped: list[dict[str, Any]] = []
    used = tokens.count_messages(list(render(kept)), encoding)
    while used > budget:
        droppable = sorted(
            (m for m in kept if not m["pinned"]), key=lambda m: (m["score"], m["id"])
        )
        if not droppable:
            break
        excess, removed = used - budget, []
        for memory in droppable:
            removed.append(memory)
            excess -= tokens.count_text(memory["text"], encoding) + 8  # + its list line
            if excess <= 0:
                break
        gone = {m["id"] for m in removed}
        kept = [m for m in kept if m["id"] not in gone]
        dropped += removed
        used = tokens.count_messages(list(render(kept)), encoding)
    return Fitted(kept, dropped, used, budget)
