"""Errors raised by the memory package. Each message says what to do next."""

from __future__ import annotations


class MemoryStoreError(Exception):
    """Base class of the memory package's errors."""


class DuplicateItemError(MemoryStoreError, ValueError):
    """A different item was added under an id that is already taken."""


class EmbedderError(MemoryStoreError):
    """An embedder is unknown, cannot be built here, or its model files fail verification."""


class StoreMismatchError(MemoryStoreError):
    """A persisted store was reopened with settings that differ from those it was created with."""
