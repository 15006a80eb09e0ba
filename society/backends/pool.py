"""Model pools: the servers (replicas) that answer one model's calls, each under its own cap.

Every server of a run is one `ServerSlot`, shared by all the models on it (models on the same
server share the smallest cap, as before pools). A call takes a slot on the least-loaded
server of its pool that is up and under its cap, or waits in line for one. A call that fails
with a transient error (connection refused or reset, server error, timeout, rate limit) marks
its server down for `down_s`: calls pass it over until then, and the retry wrapper tries the
call again at once on another server (no backoff while another one is up). When every server
of a pool is down, calls go to the one back soonest, paced by the usual backoff, so a model
that stays down still ends the run as `backend_unavailable` after its retries.

Which server answered is put on the reply (`ChatReply.server`) and on the error
(`served_by`), for `timings.jsonl` only: the transcript and the record/replay keys never name a
server, so a run replays identically whichever replicas answered it.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

from society.backends.base import ChatBackend, ChatReply, ChatRequest
from society.backends.retry import is_transient
from society.backends.traffic import CallTraffic


@dataclass(eq=False)
class ServerSlot:
    """One server of the run: its cap, calls in flight, and until when it is passed over."""

    key: str  # "url:<base url>" or "model:<name>" (a provider's own endpoint)
    label: str | None  # what timings.jsonl records: the base URL, None for a provider endpoint
    cap: int
    in_flight: int = 0
    down_until: float = 0.0
    answered: int = 0
    failed: int = 0

    def up(self, now: float) -> bool:
        return now >= self.down_until

    @property
    def free(self) -> bool:
        return self.in_flight < self.cap


class ServerPool:
    """The servers of one model (in the order the scenario lists them) and the calls waiting
    for a slot on one of them, first come first served."""

    def __init__(self, dispatcher: Dispatcher, slots: Sequence[ServerSlot]) -> None:
        self.dispatcher = dispatcher
        self.slots = tuple(slots)
        self.waiting: deque[asyncio.Future[ServerSlot]] = deque()

    def pick(self, now: float) -> ServerSlot | None:
        """The least-loaded server (share of its cap in use, then calls in flight, then list
        order) among those that are up and under their cap; None if the call must wait.
        While any server is up, servers that are down are never picked."""
        anyone_up = any(slot.up(now) for slot in self.slots)
        best: ServerSlot | None = None
        best_key: tuple[float, float, int, int] | None = None
        for index, slot in enumerate(self.slots):
            if not slot.free:
                continue
            if anyone_up and not slot.up(now):
                continue
            # With every server down: the one back soonest first.
            soon = 0.0 if anyone_up else slot.down_until
            key = (soon, slot.in_flight / slot.cap, slot.in_flight, index)
            if best_key is None or key < best_key:
                best, best_key = slot, key
        return best

    async def acquire(self) -> ServerSlot:
        if not self.waiting:
            slot = self.pick(self.dispatcher.clock())
            if slot is not None:
                slot.in_flight += 1
                return slot
        future: asyncio.Future[ServerSlot] = asyncio.get_running_loop().create_future()
        self.waiting.append(future)
        try:
            return await future
        except asyncio.CancelledError:
            if future.done() and not future.cancelled():
                self.release(future.result())  # handed a slot just as the call was cancelled
            else:
                self.waiting.remove(future)
            raise

    def release(self, slot: ServerSlot) -> None:
        slot.in_flight -= 1
        self.dispatcher.dispatch()

    def mark_down(self, slot: ServerSlot) -> bool:
        """`slot` failed: pass it over for `down_s`. True if another server is up now (the
        call can be tried there at once)."""
        now = self.dispatcher.clock()
        slot.down_until = now + self.dispatcher.down_s[slot.key]
        self.dispatcher.dispatch()  # the last server up went down: waiters may take any
        return any(other.up(now) for other in self.slots if other is not slot)

    def hand_out(self, now: float) -> None:
        while self.waiting:
            if self.waiting[0].done():  # cancelled while waiting
                self.waiting.popleft()
                continue
            slot = self.pick(now)
            if slot is None:
                return
            slot.in_flight += 1
            self.waiting.popleft().set_result(slot)


class Dispatcher:
    """The servers and pools of one run. A freed slot goes to the first waiting call of any
    pool that may use it (pools sharing a server share its cap)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.slots: dict[str, ServerSlot] = {}
        self.down_s: dict[str, float] = {}
        self.pools: dict[tuple[str, ...], ServerPool] = {}

    def reserve(self, key: str, label: str | None, cap: int, down_s: float) -> None:
        """Register a server before any call: its cap is the smallest asked of it, and so is
        how long it is passed over after a failure."""
        slot = self.slots.get(key)
        if slot is None:
            self.slots[key] = ServerSlot(key, label, cap)
            self.down_s[key] = down_s
        else:
            slot.cap = min(slot.cap, cap)
            self.down_s[key] = min(self.down_s[key], down_s)

    def pool(self, keys: Sequence[str]) -> ServerPool:
        pool = self.pools.get(tuple(keys))
        if pool is None:
            pool = ServerPool(self, [self.slots[key] for key in keys])
            self.pools[tuple(keys)] = pool
        return pool

    def dispatch(self) -> None:
        now = self.clock()
        for pool in self.pools.values():
            if pool.waiting:
                pool.hand_out(now)


class PooledBackend:
    """Sends each call to a server of `pool` (one backend per server, by slot key), holding a
    slot while the call is in flight. Waiting for a slot is not part of a call's timeout (the
    per-server backends time the call itself)."""

    def __init__(
        self,
        pool: ServerPool,
        backends: Mapping[str, ChatBackend],
        traffic: CallTraffic | None = None,
    ) -> None:
        first = backends[pool.slots[0].key]
        self.pool = pool
        self.backends = dict(backends)
        self.label = first.label
        self.mode = getattr(first, "mode", "text")
        self.traffic = traffic

    async def complete(self, request: ChatRequest) -> ChatReply:
        slot = await self.pool.acquire()
        if self.traffic is not None:
            self.traffic.began()
        try:
            reply = await self.backends[slot.key].complete(request)
        except Exception as error:
            slot.failed += 1
            failover = self.pool.mark_down(slot) if is_transient(error) else False
            _tag(error, slot.label, failover)
            raise
        finally:
            self.pool.release(slot)
            if self.traffic is not None:
                self.traffic.ended()
        slot.answered += 1
        return replace(reply, server=slot.label)


def _tag(error: Exception, server: str | None, failover: bool) -> None:
    """Say on the error which server raised it and whether another one is up (read by the
    retry wrapper; never part of the error's description, which the transcript records)."""
    try:
        error.served_by = server  # type: ignore[attr-defined]
        error.failover = failover  # type: ignore[attr-defined]
    except AttributeError:  # an exception type with __slots__: nothing to say
        pass
