"""`MemorySettings`: how a run's memory is built, as validated data (e.g. a scenario section)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from memory.embedders.registry import DEFAULT_EMBEDDER, make_embedder
from memory.protocol import EpisodicMemory
from memory.weights import RetrievalWeights


class MemorySettings(BaseModel):
    """Store, embedder and retrieval weights. Defaults: embedded Chroma, `hashing`, GovSim."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    store: Literal["chroma", "in_memory"] = "chroma"
    embedder: str = Field(
        default=DEFAULT_EMBEDDER, description="hashing | minilm | chroma:<chromadb function>"
    )
    embedder_options: dict[str, Any] = Field(default_factory=dict)
    url: str | None = Field(
        default=None, description="Chroma server URL; None: embedded Chroma in the run folder"
    )
    search: Literal["exact", "index"] = "exact"
    candidates: int = Field(default=32, ge=1, description="index search: neighbours per query")
    weights: RetrievalWeights = Field(default_factory=RetrievalWeights)


def open_memory(
    settings: MemorySettings, *, collection: str, path: str | Path | None = None
) -> EpisodicMemory:
    """Build the store `settings` describe. Embedded Chroma needs `path` (the run's folder)."""
    embedder = make_embedder(settings.embedder, **settings.embedder_options)
    if settings.store == "in_memory":
        from memory.in_memory import InMemoryMemory

        return InMemoryMemory(embedder, weights=settings.weights)
    from memory.chroma_store import ChromaMemory

    if settings.url is None and path is None:
        raise ValueError("embedded Chroma needs path= (e.g. the run folder's memory/)")
    return ChromaMemory(
        collection,
        embedder,
        path=None if settings.url else path,
        url=settings.url,
        weights=settings.weights,
        search=settings.search,
        candidates=settings.candidates,
    )
