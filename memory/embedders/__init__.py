"""Embedders: the protocol, the registry by name, and the built-in embedders. Names are
imported when first used, so that naming the default embedder loads no numerical library."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from memory.embedders.registry import BUILTIN_EMBEDDERS, DEFAULT_EMBEDDER, make_embedder

if TYPE_CHECKING:
    from memory.embedders.base import Embedder, embed_unit, normalize_rows

_LAZY = {name: "memory.embedders.base" for name in ("Embedder", "embed_unit", "normalize_rows")}

__all__ = [
    "BUILTIN_EMBEDDERS",
    "DEFAULT_EMBEDDER",
    "Embedder",
    "embed_unit",
    "make_embedder",
    "normalize_rows",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'memory.embedders' has no attribute {name!r}")
