"""Recall: the memory query for the decision at hand, and recalled memories as plain data.

The coordinator builds one query per acting agent (phase + situation) and asks the run's
store for all of them in one `retrieve` call; the agent graph's `recall` node turns each
agent's results into the request context (`context["memories"]`) and a `memory_retrieved`
event, so every decision links to what it recalled.
"""

from __future__ import annotations

from typing import Any

from memory import MemoryQuery

# What each phase is about, in words that match the memories written for it.
PHASE_TOPICS: dict[str, str] = {
    "harvest": "how much to take this round; my harvest and holdings; the norm limit; "
    "who broke the norm; sanctions",
    "respond": "who broke the norm; inspections; messages; sanctions; punish; reputation",
    "speak": "town hall discussion; agreed limit; catches; who took too much",
    "summarize": "town hall discussion; agreed limit; summary",
    "propose": "propose a norm limit; the stock; my harvest; the norm; votes",
    "vote": "vote on proposals; norm adopted; limit; ballot",
    "learn": "my strategy; how others fared; holdings; reflection",
    "reflect": "what I learned; my harvests and holdings; the stock; the norm",
}

# Tags on memories about a peer (`MemoryItem.about`), the words rule minds act on.
VIOLATION = "violation"  # the peer took more than the norm allowed
COMPLIANCE = "compliance"  # the peer was seen (or said) to keep within the norm
SANCTIONED_ME = "sanctioned_me"  # the peer sanctioned this agent


def query_text(phase: str, view: dict[str, Any]) -> str:
    """Phase + situation: the topic of the phase and what the agent sees now."""
    resource = view["resource"]["name"]
    parts = [
        f"{phase}: {PHASE_TOPICS.get(phase, phase)}.",
        f"The {resource} looks {view['stock_signal']} and is {view['stock_trend']}.",
        f"Norm: {view['norm_text']} (limit {view['norm_limit']:g}).",
    ]
    if view.get("last_harvest") is not None:
        parts.append(f"I took {view['last_harvest']:g} last time.")
    return " ".join(parts)


def query_for(agent: str, phase: str, view: dict[str, Any], k: int, now_round: int) -> MemoryQuery:
    return MemoryQuery(agent=agent, text=query_text(phase, view), k=k, now_round=now_round)
