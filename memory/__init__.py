"""Episodic memory for agents: items, retrieval scoring, embedders and stores.

`society` imports this package, never the reverse. Chroma-backed names are imported on first
use, and so is everything that computes with numpy, so `import memory` stays light.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from memory.embedders import DEFAULT_EMBEDDER, make_embedder
from memory.errors import (
    DuplicateItemError,
    EmbedderError,
    MemoryStoreError,
    StoreMismatchError,
)
from memory.items import MemoryItem, MemoryQuery, ScoredMemory, derive_item_id
from memory.protocol import EpisodicMemory
from memory.settings import MemorySettings, open_memory
from memory.weights import RetrievalWeights

if TYPE_CHECKING:
    from memory.chroma_server import ChromaServer
    from memory.chroma_store import ChromaMemory
    from memory.embedders.base import Embedder
    from memory.in_memory import InMemoryMemory
    from memory.scoring import active_pinned, answer

# Imported on first use: Chroma, and everything that computes with numpy (a scenario's memory
# section names an embedder and weights, and validating it must not load them).
_LAZY = {
    "ChromaMemory": "memory.chroma_store",
    "ChromaServer": "memory.chroma_server",
    "Embedder": "memory.embedders.base",
    "InMemoryMemory": "memory.in_memory",
    "active_pinned": "memory.scoring",
    "answer": "memory.scoring",
}

__all__ = [
    "DEFAULT_EMBEDDER",
    "ChromaMemory",
    "ChromaServer",
    "DuplicateItemError",
    "Embedder",
    "EmbedderError",
    "EpisodicMemory",
    "InMemoryMemory",
    "MemoryItem",
    "MemoryQuery",
    "MemorySettings",
    "MemoryStoreError",
    "RetrievalWeights",
    "ScoredMemory",
    "StoreMismatchError",
    "active_pinned",
    "answer",
    "derive_item_id",
    "make_embedder",
    "open_memory",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'memory' has no attribute {name!r}")
