"""Fault injection for tests and robustness checks: a wrapper that makes a model misbehave.

At configured rates a call times out, is rate-limited, gets a server error, returns malformed
(truncated) JSON or an empty reply. Whether a call is hit is drawn from a generator keyed by
(seed, agent, round, phase, prompt id, attempt), never from a shared one, so the same run gets
the same faults whatever order concurrent calls happen in. Every fault is logged in `log`.
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass, field, replace

from society.backends.base import ChatBackend, ChatReply, ChatRequest, TransientError, Wrapper
from society.core.rng import derive_rng

KINDS = ("timeout", "rate_limit", "server_error", "malformed", "empty")


class InjectedTimeout(TransientError, TimeoutError):
    pass


class InjectedRateLimit(TransientError):
    status_code = 429


class InjectedServerError(TransientError):
    status_code = 503


@dataclass(frozen=True)
class FaultRates:
    """Probability of each fault per call (their sum must be ≤ 1)."""

    timeout: float = 0.0
    rate_limit: float = 0.0
    server_error: float = 0.0
    malformed: float = 0.0
    empty: float = 0.0
    seed: int = 0
    hang_s: float | None = None  # a timeout waits this long (to trip the per-call timeout)

    def __post_init__(self) -> None:
        rates = [getattr(self, kind) for kind in KINDS]
        if any(r < 0 for r in rates) or sum(rates) > 1.0 + 1e-9:
            raise ValueError("fault rates must be ≥ 0 and sum to at most 1")

    @classmethod
    def parse(cls, text: str) -> FaultRates:
        """'timeout=0.05,rate_limit=0.05,malformed=0.05,empty=0.05,seed=3' or 'all=0.2'."""
        values: dict[str, float] = {}
        for part in filter(None, (p.strip() for p in text.split(","))):
            name, _, value = part.partition("=")
            name = name.strip()
            try:
                number = float(value)
            except ValueError:
                raise ValueError(f"fault spec {part!r}: expected name=number") from None
            if name == "all":
                values.update({kind: number / len(KINDS) for kind in KINDS})
            elif name in (*KINDS, "seed", "hang_s"):
                values[name] = number
            else:
                raise ValueError(f"unknown fault {name!r}; known: {', '.join(KINDS)}, all, seed")
        seed = int(values.pop("seed", 0))
        return cls(**values, seed=seed)  # type: ignore[arg-type]


@dataclass(frozen=True)
class InjectedFault:
    kind: str
    agent: str
    round: int
    phase: str
    prompt_id: str
    attempt: int


@dataclass
class FaultLog:
    faults: list[InjectedFault] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, fault: InjectedFault) -> None:
        with self._lock:
            self.faults.append(fault)


class FaultInjectingBackend(Wrapper):
    def __init__(self, inner: ChatBackend, rates: FaultRates, log: FaultLog | None = None) -> None:
        super().__init__(inner)
        self.rates = rates
        self.log = log if log is not None else FaultLog()

    def _draw(self, request: ChatRequest) -> str | None:
        rng = derive_rng(
            self.rates.seed,
            request.round,
            "fault",
            request.agent,
            request.phase,
            request.prompt_id,
            request.attempt,
        )
        x, edge = rng.random(), 0.0
        for kind in KINDS:
            edge += getattr(self.rates, kind)
            if x < edge:
                return kind
        return None

    async def complete(self, request: ChatRequest) -> ChatReply:
        kind = self._draw(request)
        if kind is None:
            return await self.inner.complete(request)
        self.log.add(
            InjectedFault(
                kind,
                request.agent,
                request.round,
                request.phase,
                request.prompt_id,
                request.attempt,
            )
        )
        if kind == "timeout":
            if self.rates.hang_s:
                await asyncio.sleep(self.rates.hang_s)
            raise InjectedTimeout("injected fault: the model did not answer in time")
        if kind == "rate_limit":
            raise InjectedRateLimit("injected fault: 429 rate limit reached, retry later")
        if kind == "server_error":
            raise InjectedServerError("injected fault: 503 service unavailable")
        reply = await self.inner.complete(request)
        if kind == "empty":
            return replace(reply, text="", output_tokens=0)
        # Malformed: the reply cut off mid-object, as when max_tokens is reached.
        cut = reply.text[: max(1, len(reply.text) // 2)].rstrip("}")
        return replace(reply, text=cut if cut.strip() else '{"', output_tokens=None)
