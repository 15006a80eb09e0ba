"""Rule-based minds: the paper's agents with no model behind them (the offline default).

Each agent follows its strategy tuple (effort e, monitoring m, punishment p). Its effort this
round is e plus a small 'trembling hand' noise drawn from a generator keyed by (run seed,
round, phase, agent), so concurrency never changes a draw.
"""

from __future__ import annotations

import math
import random

from society.agents.decisions import AmountHarvest, DecisionModel, EffortHarvest
from society.agents.mind import DecisionRequest, MindResult
from society.agents.observation import Observation


class RulesMind:
    source = "rules"
    label = "rules"

    async def decide(self, request: DecisionRequest) -> MindResult:
        return MindResult(decision=self.decide_now(request), attempts=1)

    def decide_now(self, request: DecisionRequest) -> DecisionModel:
        rng = random.Random(request.seed)
        if request.phase == "harvest":
            return _harvest(request.observation, request.decision_type, rng)
        raise ValueError(f"rule-based agents have no rule for phase {request.phase!r}")


def _harvest(
    view: Observation, decision_type: type[DecisionModel], rng: random.Random
) -> DecisionModel:
    effort = min(1.0, max(0.0, rng.gauss(view.strategy.effort, view.strategy.noise)))
    if decision_type is EffortHarvest:
        return EffortHarvest(effort=effort, rationale=f"habitual effort {view.strategy.effort:.2f}")
    if decision_type is AmountHarvest:
        if view.exact_stock is None or view.max_amount is None:
            raise ValueError("amount harvests need the exact stock to be visible")
        # Effort e asks for e times an equal split of the stock [O].
        ask = math.floor(effort * view.exact_stock / max(1, view.community_size))
        return AmountHarvest(
            amount=min(ask, view.max_amount), rationale=f"{effort:.2f} of an equal split"
        )
    raise ValueError(f"rule-based agents cannot answer with {decision_type.__name__}")
