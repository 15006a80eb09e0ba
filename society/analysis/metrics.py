"""Metrics of one run, computed from its events alone (so any run can be re-analysed later).

Definitions (MECHANICS.md §6):
- survival_time: rounds completed with the commons alive (a collapse in round t gives t − 1).
- survived: the run reached its round limit.
- gain: Σ_t h_i(t) per agent, and the total.
- efficiency: logistic commons Σh / (T·MSY); doubling (GovSim) 1 − max(0, T·f(0) − Σh)/(T·f(0)).
- equality: 1 − Gini of the agents' gains.
- over_usage: share of agent-rounds with h_i above the per-agent sustainable share f(t)/alive.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from society import commons
from society.analysis.institutions import GovernanceMetrics, governance_metrics
from society.commons.ending import EndReason
from society.games.commons.events import HarvestResolved, Regrowth, RoundFinished, RoundStarted
from society.scenario.schema import DoublingRegrowth, Scenario
from society.transcript.events import (
    Decision,
    DecisionFailed,
    Event,
    LLMCall,
    RunFinished,
    RunStarted,
)

METRICS_FILE = "metrics.json"


class LLMUsage(BaseModel):
    """Model calls of a run: totals, and the same counters per model, agent and phase.

    A call is one request (failed ones included). unusable_replies: replies that did not parse
    or validate; repaired_replies: replies that parsed only after a repair (fences, prose,
    trailing commas...); backend_errors: calls that raised (rate limit, timeout...). retries:
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


class RunMetrics(BaseModel):
    model_config = ConfigDict(extra="forbid")

    run_id: str
    scenario: str
    seed: int
    rounds_limit: int
    rounds_completed: int
    end_reason: str | None
    survival_time: int
    survived: bool
    final_stock: float
    gain_total: float
    gain_per_agent: dict[str, float]
    efficiency: float
    equality: float
    over_usage: float
    decisions_by_source: dict[str, int]
    governance: GovernanceMetrics
    llm: LLMUsage


class MetricsError(Exception):
    """The events do not describe a run (e.g. no run_started event)."""


def compute_metrics(events: Sequence[Event]) -> RunMetrics:
    started = next((e for e in events if isinstance(e, RunStarted)), None)
    if started is None:
        raise MetricsError("no run_started event: not a run transcript")
    scenario = Scenario.model_validate(started.scenario)
    params = scenario.commons
    finished = next((e for e in reversed(events) if isinstance(e, RunFinished)), None)
    harvests = [e for e in events if isinstance(e, HarvestResolved)]
    alive_at_start = {e.round: len(e.alive) for e in events if isinstance(e, RoundStarted)}

    gains = {agent.id: 0.0 for agent in started.agents}
    over, agent_rounds = 0, 0
    for harvest in harvests:
        share = commons.sustainable_share(
            harvest.stock_before, params, alive_at_start.get(harvest.round, 0)
        )
        for agent, amount in harvest.harvested.items():
            gains[agent] += amount
            agent_rounds += 1
            over += amount > share + 1e-9
    total = sum(gains.values())

    rounds_completed = (
        finished.rounds_completed if finished else max((h.round for h in harvests), default=0)
    )
    end_reason = finished.end_reason if finished else None
    collapsed = end_reason == EndReason.COLLAPSED.value
    final_stock = finished.final_stock if finished else _last_stock(events, params.start_stock)

    return RunMetrics(
        run_id=started.run_id,
        scenario=scenario.name,
        seed=scenario.seed,
        rounds_limit=scenario.rounds,
        rounds_completed=rounds_completed,
        end_reason=end_reason,
        survival_time=max(0, rounds_completed - 1) if collapsed else rounds_completed,
        survived=end_reason == EndReason.ROUND_LIMIT.value,
        final_stock=final_stock,
        gain_total=total,
        gain_per_agent=gains,
        efficiency=_efficiency(total, scenario),
        equality=1.0 - commons.gini(list(gains.values())),
        over_usage=over / agent_rounds if agent_rounds else 0.0,
        decisions_by_source=dict(
            sorted(Counter(e.source for e in events if isinstance(e, Decision)).items())
        ),
        governance=governance_metrics(events),
        llm=_llm_usage(events),
    )


def _last_stock(events: Sequence[Event], default: float) -> float:
    """The latest stock a transcript without run_finished records, regrowth included (as
    run_finished's final_stock is), not just the stock left after the last harvest."""
    for event in reversed(events):
        if isinstance(event, RoundFinished | RoundStarted):
            return event.stock
        if isinstance(event, Regrowth | HarvestResolved):
            return event.stock_after
    return default


def _efficiency(total: float, scenario: Scenario) -> float:
    params = scenario.commons
    if isinstance(params.regrowth, DoublingRegrowth):
        reference = scenario.rounds * commons.sustainable_threshold(params.start_stock, params)
        return 1.0 - max(0.0, reference - total) / reference if reference else 0.0
    reference = scenario.rounds * commons.maximum_sustainable_yield(params)
    return total / reference if reference else 0.0


def _llm_usage(events: Sequence[Event]) -> LLMUsage:
    from society.agents.parsing import find_json_object

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
            found = find_json_object(event.reply) if event.parsed is not None else None
            repaired = isinstance(found, tuple) and found[1]
            retry_kind = None
            if event.attempt > 1 and turn in previous_error:
                retry_kind = "backend_retries" if previous_error[turn] else "reasks"
            previous_error[turn] = backend
            for t in targets:
                t.calls += 1
                t.input_tokens += event.input_tokens
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


def write_metrics(run_dir: Path, metrics: RunMetrics) -> Path:
    path = Path(run_dir) / METRICS_FILE
    path.write_text(json.dumps(metrics.model_dump(mode="json"), indent=2) + "\n", encoding="utf-8")
    return path
