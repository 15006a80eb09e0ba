"""Embedders by name: `hashing` (default), `minilm`, `chroma:<name>`."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from memory.errors import EmbedderError

if TYPE_CHECKING:
    from memory.embedders.base import Embedder

DEFAULT_EMBEDDER = "hashing"


def _hashing(**options: Any) -> Embedder:
    from memory.embedders.hashing import HashingEmbedder

    return HashingEmbedder(**options)


def _minilm(**options: Any) -> Embedder:
    from memory.embedders.minilm import MiniLMEmbedder

    return MiniLMEmbedder(**options)


BUILTIN_EMBEDDERS: dict[str, Callable[..., Embedder]] = {
    "hashing": _hashing,
    "minilm": _minilm,
}


def make_embedder(name: str = DEFAULT_EMBEDDER, **options: Any) -> Embedder:
    """Build an embedder by name. `chroma:<function>` passes through to chromadb's registry.

    Options go to the embedder's constructor; `make_embedder(e.name, **e.config())` rebuilds
    an equivalent embedder `e`.
    """
    from memory.embedders.chroma_ef import PREFIX, ChromaFunctionEmbedder

    if name.startswith(PREFIX):
        return ChromaFunctionEmbedder(name.removeprefix(PREFIX), **options)
    factory = BUILTIN_EMBEDDERS.get(name)
    if factory is None:
        raise EmbedderError(
            f"unknown embedder {name!r}: use one of {', '.join(BUILTIN_EMBEDDERS)} "
            "or chroma:<name> for one of chromadb's embedding functions"
        )
    try:
        return factory(**options)
    except TypeError as error:
        raise EmbedderError(f"embedder {name!r}: bad options {options}: {error}") from error
