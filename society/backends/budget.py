"""A run-level budget (max calls, max tokens, max cost) shared by every backend of a run.

To keep runs reproducible, the budget is checked against the usage of the *completed* phases:
when the first call of a new (round, phase) arrives, the usage so far is frozen, and every call
of that phase is allowed if the frozen usage is under every limit and refused otherwise. Which
agent's call comes first inside a phase therefore never matters. The price: a phase that has
started is finished, so a run can exceed its budget by at most one phase's calls.

A refused call raises `BudgetExhausted`; the mind turns it into a `decision_failed` event with
reason 'budget_exhausted' and policy 'abort', and the coordinator ends the run.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from society.backends.base import (
    BudgetExhausted,
    ChatBackend,
    ChatReply,
    ChatRequest,
    Wrapper,
)


@dataclass(frozen=True)
class BudgetLimits:
    max_calls: int | None = None
    max_tokens: int | None = None
    max_cost: float | None = None

    @property
    def unlimited(self) -> bool:
        return self.max_calls is None and self.max_tokens is None and self.max_cost is None


@dataclass
class Usage:
    calls: int = 0
    tokens: int = 0
    cost: float = 0.0


class Budget:
    """Usage counters for a run and the decision whether another call may start."""

    def __init__(self, limits: BudgetLimits) -> None:
        self.limits = limits
        self.used = Usage()
        self._epoch: tuple[int, str] | None = None
        self._frozen = Usage()
        self._lock = threading.Lock()

    def exhausted_reason(self, usage: Usage | None = None) -> str | None:
        used, limits = usage or self.used, self.limits
        if limits.max_calls is not None and used.calls >= limits.max_calls:
            return f"budget exhausted: {used.calls} calls made, max_calls is {limits.max_calls}"
        if limits.max_tokens is not None and used.tokens >= limits.max_tokens:
            return f"budget exhausted: {used.tokens} tokens used, max_tokens is {limits.max_tokens}"
        if limits.max_cost is not None and used.cost >= limits.max_cost:
            return f"budget exhausted: cost {used.cost:.6g} reached max_cost {limits.max_cost:g}"
        return None

    @property
    def exhausted(self) -> bool:
        """True once the usage so far has reached a limit (the coordinator may poll this)."""
        return self.exhausted_reason() is not None

    def admit(self, request: ChatRequest) -> None:
        """Raise BudgetExhausted if the usage frozen at the start of this phase is spent."""
        with self._lock:
            epoch = (request.round, request.phase)
            if epoch != self._epoch:
                self._epoch = epoch
                self._frozen = Usage(self.used.calls, self.used.tokens, self.used.cost)
            reason = self.exhausted_reason(self._frozen)
        if reason is not None:
            raise BudgetExhausted(reason)

    def charge(self, calls: int = 1, tokens: int = 0, cost: float | None = None) -> None:
        with self._lock:
            self.used.calls += calls
            self.used.tokens += tokens
            self.used.cost += cost or 0.0


class BudgetGate(Wrapper):
    """Admits or refuses each call; charges every call made (failed ones count as calls)."""

    def __init__(self, inner: ChatBackend, budget: Budget) -> None:
        super().__init__(inner)
        self.budget = budget

    async def complete(self, request: ChatRequest) -> ChatReply:
        self.budget.admit(request)
        try:
            reply = await self.inner.complete(request)
        except BudgetExhausted:
            raise
        except Exception:
            self.budget.charge(calls=1)
            raise
        self.budget.charge(
            calls=1,
            tokens=(reply.input_tokens or 0) + (reply.output_tokens or 0),
            cost=reply.cost,
        )
        return reply
