"""Model usage of a run from its llm_call and decision events: calls, tokens, unusable and
repaired replies, retries, failures and cost, in total and per model, agent and phase. The
same for every game (it reads only the core's event kinds)."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict

from society.transcript.events import (
    Decision,
    DecisionFailed,
    Event,
    LLMCall,
    RunStarted,
    added_field,
)


class LLMUsage(BaseModel):
    """Model calls of a run: totals, and the same counters per model, agent and phase.

    A call is one request (failed ones included). cached_input_tokens: of the input tokens,
    those the provider read from its prompt cache (left out of metrics.json while 0). unusable_replies: replies that did not parse
    or validate; repaired_replies: usable replies that parsed only after a repair (fences,
    prose, trailing commas...), as the `llm_call` event records it (transcripts written before
    it was recorded count none); backend_errors: calls that raised (rate limit, timeout...). retries:
    calls after the first of a decision, split into backend_retries (after a backend error)
    and reasks (after an unusable reply). parse_failure_rate = unusable / replies received;
    retry_rate = retries / calls. cost: sum over calls of models in the price table (None if
    no call had a price), in `currency`.
    """

    model_config = ConfigDict(extra="forbid")

    class Totals(BaseModel):
        model_config = ConfigDict(extra="forbid")

        calls: int = 0
        input_tokens: int = 0
        output_tokens: int = 0
        cached_input_tokens: int = added_field(0)
        cost: float | None = None
        unusable_replies: int = 0
        repaired_replies: int = 0
        backend_errors: int = 0
        retries: int = 0
        backend_retries: int = 0
        reasks: int = 0
        decisions: int = 0
        failed_decisions: int = 0
        parse_failure_rate: float = 0.0
        retry_rate: float = 0.0

    calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cached_input_tokens: int = added_field(0)
    unusable_replies: int = 0
    backend_errors: int = 0
    failed_decisions: int = 0
    repaired_replies: int = 0
    retries: int = 0
    backend_retries: int = 0
    reasks: int = 0
    parse_failure_rate: float = 0.0
    retry_rate: float = 0.0
    cost: float | None = None
    currency: str | None = None
    budget_exhausted: bool = False
    by_model: dict[str, LLMUsage.Totals] = {}  # pydantic copies defaults per instance
    by_agent: dict[str, LLMUsage.Totals] = {}
    by_phase: dict[str, LLMUsage.Totals] = {}


def llm_usage(events: Sequence[Event]) -> LLMUsage:
    started = next((e for e in events if isinstance(e, RunStarted)), None)
    model_of = {a.id: a.model for a in started.agents} if started else {}
    usage = LLMUsage()
    totals: list[dict[str, LLMUsage.Totals]] = [usage.by_model, usage.by_agent, usage.by_phase]
    previous_error: dict[tuple[str, int, str], bool] = {}  # (agent, round, phase) -> backend?

    def groups(agent: str, phase: str, model: str | None = None) -> list[LLMUsage.Totals]:
        keys = (model or model_of.get(agent, "?"), agent, phase)
        return [
            table.setdefault(key, LLMUsage.Totals())
            for table, key in zip(totals, keys, strict=True)
        ]

    for event in events:
        if isinstance(event, LLMCall):
            targets: list[LLMUsage | LLMUsage.Totals] = [
                usage,
                *groups(event.agent, event.phase, event.model),
            ]
            turn = (event.agent, event.round, event.phase)
            backend = bool(event.error) and event.reply is None
            unusable = bool(event.error) and not backend
            # As the parser recorded it; a usable reply only (an unusable one is counted so).
            repaired = event.repaired and event.parsed is not None
            retry_kind = None
            if event.attempt > 1 and turn in previous_error:
                retry_kind = "backend_retries" if previous_error[turn] else "reasks"
            previous_error[turn] = backend
            for t in targets:
                t.calls += 1
                t.input_tokens += event.input_tokens
                t.cached_input_tokens += event.cached_input_tokens
                t.output_tokens += event.output_tokens
                t.backend_errors += backend
                t.unusable_replies += unusable
                t.repaired_replies += repaired
                if event.cost is not None:
                    t.cost = (t.cost or 0.0) + event.cost
                if retry_kind is not None:
                    t.retries += 1
                    setattr(t, retry_kind, getattr(t, retry_kind) + 1)
        elif isinstance(event, DecisionFailed):
            usage.failed_decisions += 1
            usage.budget_exhausted |= event.reason == "budget_exhausted"
            for t in groups(event.agent, event.phase):
                t.failed_decisions += 1
        elif isinstance(event, Decision) and event.source == "llm":
            for t in groups(event.agent, event.phase):
                t.decisions += 1
    for t in [usage, *(v for table in totals for v in table.values())]:
        replies = t.calls - t.backend_errors
        t.parse_failure_rate = round(t.unusable_replies / replies, 6) if replies else 0.0
        t.retry_rate = round(t.retries / t.calls, 6) if t.calls else 0.0
        if t.cost is not None:
            t.cost = round(t.cost, 10)
    if usage.cost is not None and started is not None:
        prices = (started.scenario.get("llm") or {}).get("prices") or {}
        usage.currency = str(prices.get("currency", "USD"))
    for table in totals:
        ordered = dict(sorted(table.items()))
        table.clear()
        table.update(ordered)
    return usage
