"""Composing a model backend from its wrappers, with the resources a run shares.

From the mind inwards:

    RetryingBackend       transient errors → backoff with jitter, every failed try kept
      BudgetGate          run-level calls / tokens / cost; refuses calls once spent
        MeteredBackend    tokens (provider usage, else tiktoken) and cost (price table)
          ReplayingBackend                      --replay: answers from the store, nothing else
          | RecordingBackend                    --record: stores every outcome, then:
              ConcurrencyLimit                  one semaphore per server, shared by groups
                TimeoutBackend                  per-call timeout
                  FaultInjectingBackend         only when faults are configured
                    LangChainBackend            the chat model, in its structured-output mode

Replay sits below the budget and the meter, so a replayed run spends and stops exactly like
the recorded one, and above the limits, so it never waits for a server.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from society.backends.base import ChatBackend, OutputMode
from society.backends.budget import Budget, BudgetGate, BudgetLimits
from society.backends.chat_model import LangChainBackend, StructuredOutputUnsupported
from society.backends.cost import MeteredBackend, PriceTable
from society.backends.faults import FaultInjectingBackend, FaultLog, FaultRates
from society.backends.limits import ConcurrencyLimit, TimeoutBackend
from society.backends.replay import CallStore, RecordingBackend, ReplayingBackend
from society.backends.retry import RetryingBackend, RetryPolicy, Sleep
from society.core.registry import BACKEND_WRAPPERS
from society.scenario.models import LLMSettings, ModelSpec

# What `structured_output: auto` means per provider (the prefix of the model name).
AUTO_MODES: dict[str, OutputMode] = {
    "openai": "json_schema",  # OpenAI, and OpenAI-compatible servers (vLLM, llama.cpp, LM Studio)
    "azure_openai": "json_schema",
    "anthropic": "tool_calling",
    "google_genai": "json_schema",
    "google_vertexai": "json_schema",
    "ollama": "json_schema",
}


class BackendSetupError(Exception):
    """A backend cannot be composed (e.g. structured output the model does not support)."""


def provider_of(name: str) -> str:
    return name.split(":", 1)[0] if ":" in name else ""


def resolve_mode(spec: ModelSpec) -> OutputMode:
    """The structured-output mode of `spec`: its own, or for 'auto' the provider's best one
    (text for providers not listed in AUTO_MODES, e.g. test fakes)."""
    if spec.structured_output != "auto":
        return spec.structured_output  # type: ignore[return-value]
    return AUTO_MODES.get(provider_of(spec.name), "text")


def server_key(spec: ModelSpec) -> str:
    """Which concurrency cap a model shares: one per server (its base URL) when it has one,
    else one per provider model."""
    return f"url:{spec.base_url.rstrip('/')}" if spec.base_url else f"model:{spec.name}"


def generation_params(spec: ModelSpec) -> dict[str, Any]:
    """The parameters that shape a reply (part of the record/replay key)."""
    params: dict[str, Any] = {
        "temperature": spec.temperature,
        "max_tokens": spec.max_tokens,
        "seed": spec.seed,
    }
    params.update(spec.params)
    return params


@dataclass
class BackendOptions:
    """Run-level options that are not part of the scenario."""

    record: Path | None = None
    replay: Path | None = None
    faults: FaultRates | None = None
    fault_log: FaultLog | None = None  # where injected faults are listed (for checks)
    backoff_s: float | None = None  # overrides every model's backoff_s (tests use 0)
    sleep: Sleep | None = None


@dataclass
class RunBackends:
    """What the backends of one run share: semaphores per server, the budget, the store."""

    settings: LLMSettings
    options: BackendOptions = field(default_factory=BackendOptions)
    semaphores: dict[str, asyncio.Semaphore] = field(default_factory=dict)
    caps: dict[str, int] = field(default_factory=dict)
    fault_log: FaultLog = field(default_factory=FaultLog)
    budget: Budget | None = None
    store: CallStore | None = None
    prices: PriceTable = field(default_factory=PriceTable)

    def __post_init__(self) -> None:
        if self.options.record and self.options.replay:
            raise BackendSetupError("use either --record or --replay, not both")
        if self.options.fault_log is not None:
            self.fault_log = self.options.fault_log
        limits = self.settings.budget
        if limits is not None:
            self.budget = Budget(BudgetLimits(limits.max_calls, limits.max_tokens, limits.max_cost))
        self.prices = PriceTable.from_data(self.settings.prices.model_dump(), "llm.prices")
        if self.options.replay is not None:
            self.store = CallStore(self.options.replay, create=False)
        elif self.options.record is not None:
            self.store = CallStore(self.options.record, create=True)

    def reserve_cap(self, spec: ModelSpec) -> None:
        """Register `spec` before any semaphore is made: the cap of a server is the smallest
        max_concurrency among the models on it."""
        key = server_key(spec)
        self.caps[key] = min(self.caps.get(key, spec.max_concurrency), spec.max_concurrency)

    def semaphore(self, spec: ModelSpec) -> asyncio.Semaphore:
        key = server_key(spec)
        if key not in self.semaphores:
            self.semaphores[key] = asyncio.Semaphore(self.caps.get(key, spec.max_concurrency))
        return self.semaphores[key]

    def close(self) -> None:
        if self.store is not None:
            self.store.close()


def build_backend(
    spec: ModelSpec,
    run: RunBackends,
    model_factory: Callable[[ModelSpec], Any] | None,
) -> ChatBackend:
    """Compose the wrappers for `spec`. `model_factory` makes the LangChain chat model; it is
    not called when replaying (no provider package, key or server is needed then)."""
    mode = resolve_mode(spec)
    params = generation_params(spec)
    options = run.options
    if run.budget and run.budget.limits.max_cost is not None and not run.prices.price(spec.name):
        raise BackendSetupError(
            f"llm.budget.max_cost is set but model {spec.name!r} has no price in llm.prices "
            "(or --prices): its calls would count as free"
        )
    inner: ChatBackend
    if options.replay is not None:
        assert run.store is not None
        inner = ReplayingBackend(spec.name, run.store, params, mode)
    else:
        assert model_factory is not None
        model = LangChainBackend(model_factory(spec), spec.name, mode)
        try:
            model.check()
        except StructuredOutputUnsupported as error:
            raise BackendSetupError(str(error)) from None
        inner = model
        if options.faults is not None:
            inner = FaultInjectingBackend(inner, options.faults, run.fault_log)
        inner = TimeoutBackend(inner, spec.timeout_s)
        inner = ConcurrencyLimit(inner, run.semaphore(spec))
        if run.store is not None:
            inner = RecordingBackend(inner, run.store, params)
    for name in run.settings.wrappers:  # the user's own, innermost first
        inner = BACKEND_WRAPPERS.get(name)(inner, spec)
    inner = MeteredBackend(inner, run.prices, run.settings.token_encoding)
    if run.budget is not None:
        inner = BudgetGate(inner, run.budget)
    policy = RetryPolicy(
        retries=spec.max_retries,
        backoff_s=spec.backoff_s if options.backoff_s is None else options.backoff_s,
        backoff_max_s=spec.backoff_max_s,
    )
    sleep = options.sleep or (_no_wait if options.replay is not None else asyncio.sleep)
    return RetryingBackend(inner, policy, sleep=sleep)


async def _no_wait(_: float) -> None:
    """Replays never wait: the recorded errors are answered from the store at once."""
