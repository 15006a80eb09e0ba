"""Model backends: resolving model names to minds."""

from society.backends.resolve import (
    BackendError,
    ChatModelFactory,
    build_mind,
    init_chat_model_factory,
)

__all__ = ["BackendError", "ChatModelFactory", "build_mind", "init_chat_model_factory"]
