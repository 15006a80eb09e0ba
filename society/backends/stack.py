"""Composing a model backend from its wrappers, with the resources a run shares.

From the mind inwards:

    RetryingBackend       transient errors → backoff with jitter, every failed try kept
      BudgetGate          run-level calls / tokens / cost; refuses calls once spent
        MeteredBackend    tokens (provider usage, else tiktoken) and cost (price table)
          ReplayingBackend                      --replay: answers from the store, nothing else
          | RecordingBackend                    --record: stores every outcome, then:
              PooledBackend                     a slot on the least-loaded server of the
                                                model's pool, under each server's cap (caps
                                                are shared by every model on a server)
                TimeoutBackend                  per-call timeout        } one chain per
                  FaultInjectingBackend         only with faults        } server of the
                    LangChainBackend            the chat model          } pool

Replay sits below the budget and the meter, so a replayed run spends and stops exactly like
the recorded one, and above the pool, so it never waits for a server (nor names one).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from society.backends.base import ChatBackend, ChatReply, ChatRequest, OutputMode
from society.backends.budget import Budget, BudgetGate, BudgetLimits
from society.backends.chat_model import LangChainBackend, StructuredOutputUnsupported
from society.backends.cost import MeteredBackend, PriceTable
from society.backends.faults import FaultInjectingBackend, FaultLog, FaultRates
from society.backends.limits import TimeoutBackend
from society.backends.pool import Dispatcher, PooledBackend
from society.backends.replay import CallStore, RecordingBackend, ReplayingBackend
from society.backends.retry import RetryingBackend, RetryPolicy, Sleep
from society.backends.traffic import CallTraffic
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


def server_key(spec: ModelSpec, base_url: str | None) -> str:
    """Which concurrency cap a call shares: one per server (its base URL) when the model has
    one, else one per provider model."""
    return f"url:{base_url.rstrip('/')}" if base_url else f"model:{spec.name}"


def server_keys(spec: ModelSpec) -> list[str]:
    """The keys of the servers of `spec`'s pool, in the order the scenario lists them."""
    return [server_key(spec, url) for url, _ in spec.replicas]


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
    traffic: CallTraffic | None = None  # live call counters to watch (the progress bar)


@dataclass
class RunBackends:
    """What the backends of one run share: the servers with their caps, the budget, the store
    and the call counters."""

    settings: LLMSettings
    options: BackendOptions = field(default_factory=BackendOptions)
    dispatcher: Dispatcher = field(default_factory=Dispatcher)
    traffic: CallTraffic = field(default_factory=CallTraffic)
    fault_log: FaultLog = field(default_factory=FaultLog)
    budget: Budget | None = None
    store: CallStore | None = None
    prices: PriceTable = field(default_factory=PriceTable)

    def __post_init__(self) -> None:
        if self.options.record and self.options.replay:
            raise BackendSetupError("use either --record or --replay, not both")
        if self.options.fault_log is not None:
            self.fault_log = self.options.fault_log
        if self.options.traffic is not None:
            self.traffic = self.options.traffic
        limits = self.settings.budget
        if limits is not None:
            self.budget = Budget(BudgetLimits(limits.max_calls, limits.max_tokens, limits.max_cost))
        self.prices = PriceTable.from_data(self.settings.prices.model_dump(), "llm.prices")
        if self.options.replay is not None:
            self.store = CallStore(self.options.replay, create=False)
        elif self.options.record is not None:
            self.store = CallStore(self.options.record, create=True)

    def reserve_cap(self, spec: ModelSpec) -> None:
        """Register `spec`'s servers before any call: the cap of a server is the smallest
        asked of it by the models on it (a server's own max_concurrency, else the model's)."""
        for (url, cap), key in zip(spec.replicas, server_keys(spec), strict=True):
            self.dispatcher.reserve(key, url, cap, spec.server_down_s)

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
        inner = _Counted(inner, run.traffic)
    else:
        assert model_factory is not None
        keys = server_keys(spec)
        if any(key not in run.dispatcher.slots for key in keys):
            run.reserve_cap(spec)  # a model built on its own, outside build_minds
        servers: dict[str, ChatBackend] = {}
        for (url, _), key in zip(spec.replicas, keys, strict=True):
            server_spec = spec.on_server(url) if spec.is_pool else spec
            servers[key] = _server_chain(server_spec, mode, run, model_factory)
        inner = PooledBackend(run.dispatcher.pool(keys), servers, run.traffic)
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


def _server_chain(
    spec: ModelSpec, mode: OutputMode, run: RunBackends, model_factory: Callable[[ModelSpec], Any]
) -> ChatBackend:
    """The chat model of one server, with its per-call timeout (and injected faults)."""
    model = LangChainBackend(model_factory(spec), spec.name, mode)
    try:
        model.check()
    except StructuredOutputUnsupported as error:
        raise BackendSetupError(str(error)) from None
    inner: ChatBackend = model
    if run.options.faults is not None:
        inner = FaultInjectingBackend(inner, run.options.faults, run.fault_log)
    return TimeoutBackend(inner, spec.timeout_s)


class _Counted:
    """Counts replayed calls for the progress display, as the pool counts live ones."""

    def __init__(self, inner: ChatBackend, traffic: CallTraffic) -> None:
        self.inner, self.traffic = inner, traffic
        self.label, self.mode = inner.label, inner.mode

    async def complete(self, request: ChatRequest) -> ChatReply:
        self.traffic.began()
        try:
            return await self.inner.complete(request)
        finally:
            self.traffic.ended()


async def _no_wait(_: float) -> None:
    """Replays never wait: the recorded errors are answered from the store at once."""
