"""Model backends: model names to chat models, and the wrappers around every chat model.
Minds are built above this layer (`society.coordinator.minds.build_mind`).

Names are imported lazily, so importing one backend module never drags in the others (the
CLI names `BackendError` without loading LangChain).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

_PUBLIC = {
    "BackendError": "society.backends.resolve",
    "ChatModelFactory": "society.backends.resolve",
    "init_chat_model_factory": "society.backends.resolve",
    "BackendOptions": "society.backends.stack",
    "RunBackends": "society.backends.stack",
    "build_backend": "society.backends.stack",
    "resolve_mode": "society.backends.stack",
    "ChatBackend": "society.backends.base",
    "ChatReply": "society.backends.base",
    "ChatRequest": "society.backends.base",
    "BudgetExhausted": "society.backends.base",
    "CallFailed": "society.backends.base",
    "ReplayMiss": "society.backends.base",
    "FaultRates": "society.backends.faults",
    "PriceTable": "society.backends.cost",
    "load_price_file": "society.backends.cost",
}

__all__ = [
    "BackendError",
    "BackendOptions",
    "BudgetExhausted",
    "CallFailed",
    "ChatBackend",
    "ChatModelFactory",
    "ChatReply",
    "ChatRequest",
    "FaultRates",
    "PriceTable",
    "ReplayMiss",
    "RunBackends",
    "build_backend",
    "init_chat_model_factory",
    "load_price_file",
    "resolve_mode",
]

if TYPE_CHECKING:
    from society.backends.base import (
        BudgetExhausted,
        CallFailed,
        ChatBackend,
        ChatReply,
        ChatRequest,
        ReplayMiss,
    )
    from society.backends.cost import PriceTable, load_price_file
    from society.backends.faults import FaultRates
    from society.backends.resolve import (
        BackendError,
        ChatModelFactory,
        init_chat_model_factory,
    )
    from society.backends.stack import BackendOptions, RunBackends, build_backend, resolve_mode


def __getattr__(name: str) -> Any:
    if name in _PUBLIC:
        return getattr(import_module(_PUBLIC[name]), name)
    raise AttributeError(f"module 'society.backends' has no attribute {name!r}")
