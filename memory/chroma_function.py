"""The bridge that lets Chroma persist and rebuild this package's embedders.

Importing this module registers `MemoryEmbeddingFunction` in chromadb's registry under the name
`society_memory`. A persisted collection created by `ChromaMemory` records
`{"embedder": <name>, "options": <config>}`; Chroma rebuilds the embedder from it on reopen,
which needs this module imported first (`ChromaMemory` does it; with chromadb directly, run
`import memory.chroma_function` before `get_collection`).
"""

from __future__ import annotations

from typing import Any

from chromadb.api.types import Documents, EmbeddingFunction, Embeddings, Space
from chromadb.utils.embedding_functions import register_embedding_function

from memory.embedders.base import Embedder, embed_unit
from memory.embedders.registry import make_embedder

FUNCTION_NAME = "society_memory"


@register_embedding_function
class MemoryEmbeddingFunction(EmbeddingFunction[Documents]):
    """A Chroma embedding function backed by a `memory` embedder (unit-normalised vectors)."""

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder

    def __call__(self, input: Documents) -> Embeddings:
        return list(embed_unit(self.embedder, list(input)))

    @staticmethod
    def name() -> str:
        return FUNCTION_NAME

    def get_config(self) -> dict[str, Any]:
        return {"embedder": self.embedder.name, "options": self.embedder.config()}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> MemoryEmbeddingFunction:
        return MemoryEmbeddingFunction(
            make_embedder(config["embedder"], **config.get("options", {}))
        )

    def is_legacy(self) -> bool:
        return False  # the default check would build a second embedder just to compare

    def default_space(self) -> Space:
        return "ip"

    def supported_spaces(self) -> list[Space]:
        return ["ip", "cosine", "l2"]
