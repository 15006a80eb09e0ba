"""`chroma:<name>`: any embedding function from chromadb's registry, e.g. `chroma:openai`,
`chroma:ollama`, `chroma:sentence_transformer`.

Options are passed to the embedding function's constructor; `chroma_config=` instead rebuilds
it from the config Chroma persisted (how stores reopen it). These embedders are the user's
choice and may call a remote service or download a model, as the chosen function does; the
project's own default (`hashing`) never does. Their extra packages (`openai`, `ollama`,
`sentence-transformers`, ...) are not dependencies of this project.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from memory.errors import EmbedderError

PREFIX = "chroma:"


def chroma_registry() -> dict[str, Any]:
    """chromadb's registry of dense embedding functions, by name."""
    from chromadb.utils.embedding_functions import known_embedding_functions

    return dict(known_embedding_functions)


class ChromaFunctionEmbedder:
    """Wraps one of chromadb's registered embedding functions."""

    def __init__(
        self, function_name: str, *, chroma_config: dict[str, Any] | None = None, **options: Any
    ) -> None:
        registry = chroma_registry()
        cls = registry.get(function_name)
        if cls is None:
            known = ", ".join(sorted(registry))
            raise EmbedderError(
                f"embedder 'chroma:{function_name}': chromadb has no embedding function named "
                f"{function_name!r}; registered names: {known}"
            )
        if chroma_config is not None and options:
            raise ValueError("give either chroma_config or constructor options, not both")
        try:
            if chroma_config is not None:
                self._function = cls.build_from_config(chroma_config)
            else:
                self._function = cls(**options)
        except Exception as error:  # the function's own dependency or configuration failure
            raise EmbedderError(
                f"embedder 'chroma:{function_name}' cannot be built here: "
                f"{type(error).__name__}: {error}. Install the package it needs or fix its options."
            ) from error
        self._function_name = function_name

    @property
    def name(self) -> str:
        return PREFIX + self._function_name

    def config(self) -> dict[str, Any]:
        config = self._function.get_config()
        if config is NotImplemented or not isinstance(config, dict):
            raise EmbedderError(
                f"embedder {self.name!r} has no serialisable config, so a store could not be "
                "reopened with it; implement get_config/build_from_config"
            )
        return {"chroma_config": config}

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        vectors = self._function(list(texts))
        return np.asarray([np.asarray(v, dtype=np.float32) for v in vectors], dtype=np.float32)
