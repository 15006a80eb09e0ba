"""Metrics of one run, computed from its events alone (so any run can be re-analysed later).

Definitions (docs/mechanics.md §6; [G] = GovSim's paper and its analysis code):
- survival_time: the number of the last round played (1-based). A collapse in round t gives t,
  a run that reaches its limit gives the number of rounds [G: the month of the first stock
  below the collapse level, else the month count]; an agent's death in round t also gives t.
- survived: the run reached its round limit (a collapse in the last round is not survival) [G].
- gain: R_i = Σ_t h_i(t) per agent, and the total Σ_i R_i [G].
- efficiency: doubling (GovSim) 1 − max(0, T·f(0) − Σ_i R_i)/(T·f(0)) [G]; logistic commons
  Σ_i R_i / (T·MSY) [O].
- equality: 1 − Gini of the agents' gains, Gini = Σ_i Σ_j |R_i − R_j| / (2·N·Σ_i R_i) [G].
- over_usage: share of agent-rounds with h_i(t) above the per-agent sustainable share
  f(t)/N(t), N(t) the members alive at the round's start [G].
- institutions: each enabled institution module's own metrics, by its name (left out of
  metrics.json when no institution module is on, so existing files stay byte-identical).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SerializerFunctionWrapHandler, model_serializer

from society.analysis.metrics_file import MetricsError
from society.analysis.usage import LLMUsage, llm_usage
from society.core.institution import enabled_for
from society.games.commons import dynamics as commons
from society.games.commons.dynamics.ending import EndReason
from society.games.commons.events import HarvestResolved, Regrowth, RoundFinished, RoundStarted
from society.games.commons.institution_metrics import GovernanceMetrics, governance_metrics
from society.games.commons.scenario import DoublingRegrowth, Scenario
from society.transcript.events import Decision, Event, RunFinished, RunStarted


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
    institutions: dict[str, dict[str, Any]] = Field(default_factory=dict)

    @model_serializer(mode="wrap")
    def _without_empty_institutions(self, handler: SerializerFunctionWrapHandler) -> Any:
        data = handler(self)
        if not self.institutions:
            del data["institutions"]
        return data


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
    final_stock = finished.final_stock if finished else _last_stock(events, params.start_stock)

    return RunMetrics(
        run_id=started.run_id,
        scenario=scenario.name,
        seed=scenario.seed,
        rounds_limit=scenario.rounds,
        rounds_completed=rounds_completed,
        end_reason=end_reason,
        survival_time=rounds_completed,
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
        llm=llm_usage(events),
        institutions={
            institution.name: institution.metrics(events)
            for institution in enabled_for(scenario, "commons")
            if institution.metrics is not None
        },
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
