"""Retries with exponential backoff and jitter on rate limits, server errors and timeouts.

Every failed try is kept (as a `FailedTry`) and handed to the mind, which records it as an
`llm_call` event: waits are not logged, so jitter never changes the transcript. Errors that
retrying cannot fix (bad request, authentication, a missing model) fail at once.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace

from society.backends.base import (
    BudgetExhausted,
    CallFailed,
    ChatBackend,
    ChatReply,
    ChatRequest,
    FailedTry,
    ReplayMiss,
    Wrapper,
    describe_error,
)

TRANSIENT_STATUS = {408, 409, 425, 429, 500, 502, 503, 504, 520, 522, 524, 529}
TRANSIENT_NAMES = (
    "RateLimit",
    "Timeout",
    "TimedOut",
    "Overloaded",
    "ServiceUnavailable",
    "ResourceExhausted",
    "DeadlineExceeded",
    "InternalServer",
    "APIConnection",
    "ConnectError",
    "RemoteProtocolError",
    "ReadError",
)

Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True)
class RetryPolicy:
    retries: int = 5  # extra tries after the first
    backoff_s: float = 1.0  # wait before the first retry; doubles each time
    backoff_max_s: float = 60.0
    jitter: float = 0.5  # each wait is scaled by a random factor in [1 - jitter, 1]

    def delay(self, retry: int, retry_after: float | None, rng: random.Random) -> float:
        base = min(self.backoff_max_s, self.backoff_s * 2 ** (retry - 1))
        wait = base * (1.0 - self.jitter * rng.random())
        if retry_after is not None:
            wait = max(wait, min(retry_after, self.backoff_max_s))
        return wait


def status_code(error: BaseException) -> int | None:
    for candidate in (
        getattr(error, "status_code", None),
        getattr(getattr(error, "response", None), "status_code", None),
        getattr(error, "code", None),
        getattr(error, "status", None),
    ):
        if isinstance(candidate, int) and 100 <= candidate < 600:
            return candidate
    return None


def is_transient(error: BaseException) -> bool:
    if isinstance(error, ReplayMiss | BudgetExhausted):
        return False
    recorded = getattr(error, "recorded_transient", None)
    if isinstance(recorded, bool):
        return recorded
    if isinstance(error, TimeoutError | ConnectionError | asyncio.TimeoutError):
        return True
    code = status_code(error)
    if code is not None:
        return code in TRANSIENT_STATUS
    names = [cls.__name__ for cls in type(error).__mro__]
    return any(marker in name for name in names for marker in TRANSIENT_NAMES)


def retry_after(error: BaseException) -> float | None:
    value = getattr(error, "retry_after", None)
    if value is None:
        headers = getattr(getattr(error, "response", None), "headers", None)
        if headers is not None:
            try:
                value = headers.get("retry-after")
            except Exception:  # headers of an unknown shape
                value = None
    try:
        return float(value) if value is not None else None
    except (TypeError, ValueError):
        return None  # an HTTP date: fall back to the backoff


class RetryingBackend(Wrapper):
    """Calls `inner`; on a transient error waits and tries again, up to `policy.retries`."""

    def __init__(
        self,
        inner: ChatBackend,
        policy: RetryPolicy,
        *,
        sleep: Sleep = asyncio.sleep,
        rng: random.Random | None = None,
    ) -> None:
        super().__init__(inner)
        self.policy = policy
        self.sleep = sleep
        self.rng = rng or random.Random()  # wall-clock jitter only: never reaches the events

    async def complete(self, request: ChatRequest) -> ChatReply:
        tries: list[FailedTry] = []
        attempt = request.attempt
        for retry in range(self.policy.retries + 1):
            started = time.perf_counter()
            try:
                reply = await self.inner.complete(request.at_attempt(attempt))
            except (ReplayMiss, asyncio.CancelledError):
                raise
            except BudgetExhausted as error:
                raise BudgetExhausted(error.reason, tries) from None
            except Exception as error:
                transient = is_transient(error)
                tries.append(
                    FailedTry(
                        attempt=attempt,
                        error=describe_error(error),
                        latency_s=time.perf_counter() - started,
                        transient=transient,
                        server=getattr(error, "served_by", None),
                    )
                )
                if not transient or retry == self.policy.retries:
                    raise CallFailed(tries) from None
                attempt += 1
                # A pool marked the failing server down and has another one up: try there now.
                if not getattr(error, "failover", False):
                    await self.sleep(self.policy.delay(retry + 1, retry_after(error), self.rng))
                continue
            return replace(reply, attempt=attempt, failed_tries=(*tries, *reply.failed_tries))
        raise CallFailed(tries)  # pragma: no cover - the loop always returns or raises
