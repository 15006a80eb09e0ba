"""Rule-based minds: the paper's agents with no model behind them (the offline default).

Each agent follows its strategy tuple: effort e, monitoring propensity m, punishment
propensity p and a personal norm (a per-round limit in units). Every draw comes from a
generator keyed by (run seed, round, phase, agent), so concurrency never changes a draw.
"""

from __future__ import annotations

import math
import random
from typing import Any

from society.games.commons.decisions import (
    EVERYONE,
    Agreement,
    AmountHarvest,
    Claim,
    DecisionModel,
    EffortHarvest,
    Message,
    Proposal,
    Respond,
    RuleUpdate,
    Utterance,
    Vote,
)
from society.games.commons.dynamics.social_learning import fermi_probability
from society.games.commons.observation import Observation
from society.games.commons.recall import COMPLIANCE, VIOLATION


def harvest(
    view: Observation,
    decision_type: type[DecisionModel],
    context: dict[str, Any],
    rng: random.Random,
) -> DecisionModel:
    effort = min(1.0, max(0.0, rng.gauss(view.strategy.effort, view.strategy.noise)))
    inspect, suspected = inspection_target(view, context, rng)
    agreed = view.agreement.agreed_limit if view.agreement is not None else None
    keeps = agreed is not None and rng.random() < view.strategy.keeps_agreements
    if decision_type is EffortHarvest:
        why = f"habitual effort {view.strategy.effort:.2f}" + suspected
        if keeps and agreed is not None and view.last_harvest:
            # Harvest is proportional to effort at a given stock: scale toward the agreement.
            effort = min(effort, effort * agreed / view.last_harvest)
            why += f", kept to the agreed {agreed:g}"
        return EffortHarvest(effort=effort, inspect=inspect, rationale=why)
    if decision_type is AmountHarvest:
        if view.exact_stock is None or view.max_amount is None:
            raise ValueError("amount harvests need the exact stock to be visible")
        # Effort e asks for e times an equal split of the stock [O].
        ask = math.floor(effort * view.exact_stock / max(1, view.community_size))
        why = f"{effort:.2f} of an equal split" + suspected
        if keeps and agreed is not None and ask > agreed:
            ask, why = math.floor(agreed), f"kept to the agreed {agreed:g}"
        return AmountHarvest(amount=min(ask, view.max_amount), inspect=inspect, rationale=why)
    raise ValueError(f"rule-based agents cannot answer with {decision_type.__name__}")


def inspection_target(
    view: Observation, context: dict[str, Any], rng: random.Random
) -> tuple[str | None, str]:
    """Whom to inspect (with propensity m) and why, in words for the rationale. A peer the
    agent's recalled memories name as a violator is preferred with probability
    `target_suspects`; otherwise the target is a random peer (the paper's rule)."""
    inspectable = context.get("inspectable")
    if not inspectable or rng.random() >= view.strategy.monitor:
        return None, ""
    suspects = remembered_violators(context.get("memories", []), inspectable)
    bias = context.get("target_suspects", 0.0)
    # No extra draw unless it can matter, so bias 0 gives the paper's draws exactly.
    if suspects and bias > 0 and rng.random() < bias:
        target = rng.choice(sorted(suspects))
        rounds = ", ".join(str(r) for r in suspects[target])
        return target, f"; inspect {target}, remembered over the limit (round {rounds})"
    return rng.choice(inspectable), ""


def remembered_violators(
    memories: list[dict[str, Any]], candidates: list[str]
) -> dict[str, list[int]]:
    """Peers among `candidates` whose latest recalled memory tags them as violators, with the
    rounds of the violations recalled. A later memory of compliance clears a peer: suspicion
    follows the newest evidence, so a reformed peer is no longer singled out."""
    allowed = set(candidates)
    latest: dict[str, tuple[int, int, bool]] = {}
    violations: dict[str, set[int]] = {}
    for memory in memories:
        peer, tags = memory.get("about"), memory.get("tags", ())
        if peer not in allowed or not (VIOLATION in tags or COMPLIANCE in tags):
            continue
        violated = VIOLATION in tags
        when = (memory["round"], memory.get("source_seq") or 0, violated)
        latest[peer] = max(latest.get(peer, when), when)
        if violated:
            violations.setdefault(peer, set()).add(memory["round"])
    return {peer: sorted(violations[peer]) for peer, (_, _, bad) in latest.items() if bad}


def respond(view: Observation, context: dict[str, Any], rng: random.Random) -> Respond:
    messages = []
    seen = view.news.inspection if view.news else None
    if context.get("gossip") and seen is not None and seen.violated:
        unit = view.resource.unit
        messages.append(
            Message(
                to=EVERYONE,
                text=f"I saw {seen.target} take {seen.harvest:.1f} {unit}, above our limit of {view.norm_limit:g}.",
                claims=[Claim(about=seen.target, round=view.round, harvest=seen.harvest)],
            )
        )
    punish = [
        target for target in context.get("punishable", []) if rng.random() < view.strategy.punish
    ]
    return Respond(
        messages=messages,
        punish=punish,
        rationale=f"punishing with propensity {view.strategy.punish:.2f}",
    )


def propose(view: Observation) -> Proposal:
    limit = round(view.strategy.norm, 2)
    unit = view.resource.unit
    return Proposal(
        text=f"Each member takes at most {limit:g} {unit} per round.",
        limit=limit,
        rationale="my personal norm",
    )


def vote(view: Observation, context: dict[str, Any], rng: random.Random) -> Vote:
    ballot: dict[str, dict[str, Any]] = context["ballot"]
    distance = {pid: abs(entry["limit"] - view.strategy.norm) for pid, entry in ballot.items()}
    best = min(distance.values())
    closest = [pid for pid in ballot if distance[pid] == best]
    choice = closest[0] if len(closest) == 1 else rng.choice(closest)
    return Vote(proposal=choice, rationale="closest to my personal norm")


def learn(view: Observation, context: dict[str, Any], rng: random.Random) -> RuleUpdate:
    s = view.strategy
    effort, monitor = s.effort, s.monitor
    reasons = []
    learning = context.get("learning")
    news = view.news
    if learning is not None and news is not None:
        if news.sanctions_received and news.harvest:
            # Harvest is proportional to effort at a given stock: scale effort to comply.
            target = view.norm_limit * (1 - learning["comply_margin"])
            effort = min(effort, effort * target / news.harvest)
            reasons.append("sanctioned: effort cut to keep the norm")
        elif not news.sanctions_received:
            effort += learning["greed"]
            reasons.append("unsanctioned: a little more effort")
        if news.inspection is not None:
            if news.inspection.violated:
                monitor += learning["monitor_step"]
            elif news.costs_paid > 0:
                monitor -= learning["monitor_step"]
    update = {
        "effort": _unit(effort),
        "monitor": _unit(monitor),
        "punish": s.punish,
        "norm": s.norm,
    }
    followed, probability, copied = None, None, False
    peers: list[dict[str, Any]] = context.get("peer_table", [])
    if context.get("social") and peers:
        peer = peers[rng.randrange(len(peers))]
        followed = peer["agent"]
        # Payoff-biased: compare this round's payoff change (income net of costs and fines),
        # not wealth, so that imitation tracks what strategies earn now.
        probability = fermi_probability(
            view.last_payoff_change or 0.0, peer["payoff_change"], context["beta"]
        )
        if rng.random() < probability:
            copied = True
            update = {key: peer["strategy"][key] for key in ("effort", "monitor", "punish", "norm")}
            reasons.append(f"copied {followed} (p={probability:.2f})")
        else:
            reasons.append(f"kept own strategy over {followed}'s (p={probability:.2f})")
    return RuleUpdate(
        **update,
        followed=followed,
        copy_probability=probability,
        copied=copied,
        rationale="; ".join(reasons) or "no change",
    )


def speak(view: Observation, context: dict[str, Any], rng: random.Random) -> Utterance:
    norm = view.strategy.norm
    limit = float(math.floor(norm)) if view.harvest_mode == "amount" else round(norm, 2)
    took = view.news.harvest if view.news is not None else None
    opening = f"I took {took:g} {view.resource.unit}. " if took is not None else ""
    waiting = context.get("not_spoken", [])
    return Utterance(
        text=f"{opening}I propose that each of us takes at most {limit:g} {view.resource.unit}.",
        proposed_limit=limit,
        next_speaker=rng.choice(waiting) if waiting else None,
    )


def summarize(context: dict[str, Any]) -> Agreement:
    proposed = sorted(
        u["proposed_limit"]
        for u in context.get("transcript", [])
        if u["proposed_limit"] is not None
    )
    if not proposed:
        return Agreement(summary="No limit was proposed.", agreed_limit=None)
    half = len(proposed) // 2
    median = proposed[half] if len(proposed) % 2 else (proposed[half - 1] + proposed[half]) / 2
    listed = ", ".join(f"{value:g}" for value in proposed)
    return Agreement(
        summary=f"Limits proposed: {listed}; the median is {median:g}.", agreed_limit=median
    )


def _unit(value: float) -> float:
    return min(1.0, max(0.0, value))
