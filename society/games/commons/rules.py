"""Rule-based minds: the paper's agents with no model behind them (the offline default). The
harvest's policy is here; each institution's is in its module.

Each agent follows its strategy tuple: effort e, monitoring propensity m, punishment
propensity p, a personal norm (a per-round limit in units) and a propensity to comply with the
norm in force (aim at a fraction of it instead of harvesting by habit). Every draw comes from a
generator keyed by (run seed, round, phase, agent), so concurrency never changes a draw.
"""

from __future__ import annotations

import math
import random
from typing import Any

from society.games.commons.decisions import AmountHarvest, DecisionModel, EffortHarvest
from society.games.commons.institutions.gossip import rule_respond as respond
from society.games.commons.institutions.monitoring import inspection_target, remembered_violators
from society.games.commons.institutions.social_learning import rule_learn as learn
from society.games.commons.institutions.town_hall import rule_speak as speak
from society.games.commons.institutions.town_hall import rule_summarize as summarize
from society.games.commons.institutions.voting import rule_propose as propose
from society.games.commons.institutions.voting import rule_vote as vote
from society.games.commons.observation import Observation

# Each institution's rule policy lives in its module; re-exported here under the names the
# commons' rule minds have always had.
__all__ = [
    "harvest",
    "inspection_target",
    "learn",
    "propose",
    "remembered_violators",
    "respond",
    "speak",
    "summarize",
    "vote",
]


def harvest(
    view: Observation,
    decision_type: type[DecisionModel],
    context: dict[str, Any],
    rng: random.Random,
) -> DecisionModel:
    strategy = view.strategy
    effort = min(1.0, max(0.0, rng.gauss(strategy.effort, strategy.noise)))
    inspect, suspected = inspection_target(view, context, rng)
    agreed = view.agreement.agreed_limit if view.agreement is not None else None
    keeps = agreed is not None and rng.random() < strategy.keeps_agreements
    # With probability `comply` the agent aims at the norm in force instead of its habit [O].
    aims = rng.random() < strategy.comply
    aim = strategy.norm_aim * view.norm_limit
    if decision_type is EffortHarvest:
        why = f"habitual effort {strategy.effort:.2f}" + suspected
        # Harvest is proportional to effort at a given stock, so last round's harvest per unit
        # of effort tells what effort reaches a target (no harvest yet: nothing to scale by).
        per_effort = (
            view.last_harvest / view.last_effort if view.last_harvest and view.last_effort else None
        )
        if aims and per_effort is not None and effort * per_effort > aim:
            effort = aim / per_effort
            why += f", aimed at {strategy.norm_aim:g} of the norm {view.norm_limit:g}"
        if keeps and agreed is not None and per_effort is not None and effort * per_effort > agreed:
            effort = agreed / per_effort
            why += f", kept to the agreed {agreed:g}"
        return EffortHarvest(effort=min(1.0, effort), inspect=inspect, rationale=why)
    if decision_type is AmountHarvest:
        if view.exact_stock is None or view.max_amount is None:
            raise ValueError("amount harvests need the exact stock to be visible")
        # Effort e asks for e times an equal split of the stock [O].
        ask = math.floor(effort * view.exact_stock / max(1, view.community_size))
        why = f"{effort:.2f} of an equal split" + suspected
        if aims and ask > aim:
            ask, why = (
                math.floor(aim),
                f"aimed at {strategy.norm_aim:g} of the norm {view.norm_limit:g}",
            )
        if keeps and agreed is not None and ask > agreed:
            ask, why = math.floor(agreed), f"kept to the agreed {agreed:g}"
        return AmountHarvest(amount=min(ask, view.max_amount), inspect=inspect, rationale=why)
    raise ValueError(f"rule-based agents cannot answer with {decision_type.__name__}")
