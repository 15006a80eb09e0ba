"""The rule-based mind: the offline default and the scientific baseline of every game.

It holds no rules itself: each phase registers its rule policy (`Phase.rule`), which reaches
the mind with the request. Every draw comes from a generator keyed by (run seed, round,
phase, agent), so concurrency never changes a draw."""

from __future__ import annotations

import random

from society.agents.mind import DecisionRequest, MindResult
from society.core.decision import DecisionModel


class RulesMind:
    source = "rules"
    label = "rules"

    async def decide(self, request: DecisionRequest) -> MindResult:
        return MindResult(decision=self.decide_now(request), attempts=1)

    def decide_now(self, request: DecisionRequest) -> DecisionModel:
        if request.policy is None:
            raise ValueError(f"rule-based agents have no rule for phase {request.phase!r}")
        decision = request.policy(request, random.Random(request.seed))
        # Rule decisions pass the same validators as a model's reply, with the phase's facts.
        return request.decision_type.model_validate(
            decision.model_dump(), context=request.validation_context
        )
