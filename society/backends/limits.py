"""Per-call timeout (the concurrency caps of servers are in `society.backends.pool`)."""

from __future__ import annotations

import asyncio

from society.backends.base import ChatBackend, ChatReply, ChatRequest, TransientError, Wrapper


class CallTimeout(TransientError, TimeoutError):
    """No reply within the per-call timeout (retried like other timeouts)."""


class TimeoutBackend(Wrapper):
    def __init__(self, inner: ChatBackend, timeout_s: float) -> None:
        super().__init__(inner)
        self.timeout_s = timeout_s

    async def complete(self, request: ChatRequest) -> ChatReply:
        deadline = asyncio.timeout(self.timeout_s)
        try:
            async with deadline:
                return await self.inner.complete(request)
        except TimeoutError:
            if not deadline.expired():
                raise  # the model's own timeout error, reported as it is
            raise CallTimeout(f"no reply within {self.timeout_s:g} s") from None
