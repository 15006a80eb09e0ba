"""The scenario's `memory:` section: where agents' episodic memories live and how they are used.

The store choices (embedder, Chroma server, search, retrieval weights) are those of
`memory.MemorySettings`; this section adds how the society uses the store: whether memory is
on, how many memories each decision recalls, end-of-round reflections and the prompt budget.
It opens nothing: the run layer opens the store (`society.coordinator.run_memory`).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from memory import MemorySettings, RetrievalWeights
from memory.embedders import DEFAULT_EMBEDDER
from society.scenario._base import Strict


class MemorySection(Strict):
    """Agents' episodic memory (recall before each decision, remember after each phase)."""

    enabled: bool = Field(
        True, description="Give agents episodic memory (recall, remember, reflect)."
    )
    store: Literal["auto", "chroma", "in_memory"] = Field(
        "auto",
        description="auto: embedded Chroma in the run folder (<run>/memory) when any agent has "
        "an LLM mind, in-memory for rule-only runs (rule minds do not read memories); chroma: "
        "always Chroma (embedded, or the server at `url`); in_memory: nothing persisted.",
    )
    embedder: str = Field(
        DEFAULT_EMBEDDER, description="hashing (default, offline) | minilm | chroma:<function>."
    )
    embedder_options: dict[str, Any] = Field(
        default_factory=dict, description="Keyword arguments for the embedder."
    )
    url: str | None = Field(
        None, description="A Chroma server's URL (e.g. http://127.0.0.1:8000); implies Chroma."
    )
    search: Literal["exact", "index"] = Field(
        "exact", description="Chroma retrieval: exact scoring (default) or the HNSW index."
    )
    candidates: int = Field(32, ge=1, description="Index search: neighbours fetched per query.")
    k: int = Field(
        4, ge=0, le=100, description="Ranked memories recalled per decision (pinned ones extra)."
    )
    weights: RetrievalWeights = Field(
        default_factory=RetrievalWeights,
        description="Retrieval score weights: recency, importance, relevance, decay per round.",
    )
    reflection: bool = Field(
        True,
        description="Each agent stores a short reflection at the end of every round "
        "(rule-made from its recent harvests and holdings, or an LLM agent's own words).",
    )
    reflection_call: bool = Field(
        False,
        description="With reflection on and social learning off, LLM agents make one extra "
        "'reflect' call per round (a model call per agent-round; off: they get the rule-made "
        "reflection). With social learning on they reflect within their learning call.",
    )
    token_budget: int = Field(
        3000,
        ge=200,
        description="Most prompt tokens per LLM call; the lowest-scored memories are dropped "
        "first to fit (pinned ones are kept).",
    )

    def resolved_store(self, rule_only: bool) -> Literal["chroma", "in_memory"]:
        if self.store != "auto":
            return self.store
        if self.url is not None:
            return "chroma"
        return "in_memory" if rule_only else "chroma"

    def store_settings(self, rule_only: bool) -> MemorySettings:
        return MemorySettings(
            store=self.resolved_store(rule_only),
            embedder=self.embedder,
            embedder_options=self.embedder_options,
            url=self.url,
            search=self.search,
            candidates=self.candidates,
            weights=self.weights,
        )
