"""Embedders behind one small Protocol, selectable by name (see `make_embedder`)."""

from memory.embedders.base import Embedder, embed_unit, normalize_rows
from memory.embedders.registry import BUILTIN_EMBEDDERS, DEFAULT_EMBEDDER, make_embedder

__all__ = [
    "BUILTIN_EMBEDDERS",
    "DEFAULT_EMBEDDER",
    "Embedder",
    "embed_unit",
    "make_embedder",
    "normalize_rows",
]
