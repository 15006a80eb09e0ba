"""What each agent is shown: its private observation and the facts of the phase at hand."""

from __future__ import annotations

import heapq
from typing import Any

from society.coordinator.deps import CoordinatorDeps
from society.core.rng import derive_rng
from society.core.state import shared_by_fan_out
from society.games.commons import dynamics as commons
from society.games.commons.dynamics.reputation import PRIOR
from society.games.commons.state import SocietyState, alive

REPUTATION_SHOWN = 8  # most telling beliefs shown to an agent; keeps prompts bounded [O]


def observation(
    state: SocietyState,
    agent: str,
    phase: str,
    deps: CoordinatorDeps,
    community_size: int | None = None,
) -> dict[str, Any]:
    """`community_size` (the number of members) may be passed in by a caller that builds
    many agents' views from one state, so that it is counted once, not once per agent."""
    params = deps.scenario.commons
    if community_size is None:
        community_size = len(alive(state))
    record = state["agents"][agent]
    stock = state["stock"]
    # Before its harvest an agent recalls the previous round; afterwards, this round so far.
    news = record["previous_news"] if phase == "harvest" else record["news"]
    if news is not None:
        shown = deps.scenario.institutions.gossip.max_heard_shown
        news = {**news, "heard": news["heard"][:shown], "heard_total": len(news["heard"])}
    return {
        "agent": agent,
        "round": state["round"],
        "persona": deps.personas[agent],
        "harvest_mode": params.harvest,
        "resource": params.resource.model_dump(),
        "stock_signal": commons.stock_signal(stock, params.capacity),
        "stock_trend": commons.stock_trend(
            state["previous_stock"], state["round_start_stock"] or stock, params.capacity
        ),
        "exact_stock": stock if params.exact_stock_visible else None,
        "max_amount": int(stock) if params.harvest == "amount" else None,
        "community_size": community_size,
        "last_request": record["last_request"],
        "last_harvest": record["last_harvest"],
        "last_payoff_change": record["last_payoff_change"],
        "payoff": record["payoff"],
        "norm_text": state["norm"]["text"],
        "norm_limit": state["norm"]["limit"],
        "excluded_rounds_left": max(0, record["excluded_until"] - state["round"] + 1),
        "news": news,
        "reputation": _telling_beliefs(record["reputation"]),
        "agreement": record["agreement"],
        "universalization": _universalization(state, deps, community_size),
        "strategy": record["strategy"],
    }


def _universalization(state: SocietyState, deps: CoordinatorDeps, members: int) -> float | None:
    """GovSim's reminder: the per-member catch above which the resource shrinks, f(t)/N."""
    if not deps.scenario.interventions.universalization:
        return None
    return commons.sustainable_share(
        state["round_start_stock"] or state["stock"], deps.scenario.commons, members
    )


def _telling_beliefs(reputation: dict[str, float]) -> dict[str, float]:
    ranked = sorted(reputation.items(), key=lambda item: (-abs(item[1] - PRIOR), item[0]))
    return {peer: round(belief, 3) for peer, belief in ranked[:REPUTATION_SHOWN] if belief != PRIOR}


def harvesters(state: SocietyState) -> list[str]:
    """Alive agents not excluded from harvesting this round."""
    return [a for a in alive(state) if state["agents"][a]["excluded_until"] < state["round"]]


def excluded(state: SocietyState) -> list[str]:
    return [a for a in alive(state) if state["agents"][a]["excluded_until"] >= state["round"]]


def harvest_context(state: SocietyState, agent: str, deps: CoordinatorDeps) -> dict[str, Any]:
    if not deps.scenario.institutions.monitoring.enabled:
        return {"omit_fields": ["inspect"]}
    monitoring = deps.scenario.institutions.monitoring
    return {
        "inspectable": [peer for peer in harvesters(state) if peer != agent],
        "target_suspects": monitoring.target_suspects,
    }


def punishable(state: SocietyState, agent: str, deps: CoordinatorDeps) -> list[str]:
    """Peers this agent knows broke the norm G(t): seen by its own inspection this round, or
    (with act_on_gossip) reported to it about the previous round or this one."""
    sanctions = deps.scenario.institutions.sanctions
    if not sanctions.enabled:
        return []
    record = state["agents"][agent]
    known: set[str] = set()
    inspection = record["news"]["inspection"]
    if inspection is not None and inspection["violated"]:
        known.add(inspection["target"])
    if sanctions.act_on_gossip:
        limit = state["norm"]["limit"]
        for report in record["reports"]:
            if report["round"] >= state["round"] - 1 and commons.violates(report["harvest"], limit):
                known.add(report["about"])
    return sorted(peer for peer in known if peer != agent and state["agents"][peer]["alive"])


def respond_context(state: SocietyState, agent: str, deps: CoordinatorDeps) -> dict[str, Any]:
    institutions = deps.scenario.institutions
    gossip = institutions.gossip
    omit = []
    if not gossip.enabled:
        omit.append("messages")
    if not institutions.sanctions.enabled:
        omit.append("punish")
    return {
        "gossip": gossip.enabled,
        "peers": [peer for peer in alive(state) if peer != agent],
        "max_messages": gossip.max_messages,
        "max_chars": gossip.max_chars,
        "punishable": punishable(state, agent, deps),
        "sanctions": institutions.sanctions.enabled,
        "punish_cost": institutions.sanctions.cost,
        "omit_fields": omit,
    }


def responders(state: SocietyState, deps: CoordinatorDeps) -> list[str]:
    """With gossip everyone may speak; with sanctions alone only those who know a violator
    have anything to decide (no model call is spent on the others)."""
    if deps.scenario.institutions.gossip.enabled:
        return alive(state)
    return [agent for agent in alive(state) if punishable(state, agent, deps)]


def vote_context(state: SocietyState) -> dict[str, Any]:
    return {"ballot": state["ballot"]}


def learn_context(state: SocietyState, agent: str, deps: CoordinatorDeps) -> dict[str, Any]:
    scenario = deps.scenario
    social = scenario.institutions.social_learning
    if deps.mind_sources[agent] == "rules":
        # The Fermi rule compares with one random peer: draw it here (seeded per agent and
        # round) so that a learner costs O(1), not a table of every peer.
        peers = [peer for peer in alive(state) if peer != agent]
        learning = scenario.learning
        table = []
        if social.enabled and peers:
            rng = derive_rng(scenario.seed, state["round"], "learn", agent)
            table = [_peer_row(state, rng.choice(peers))]
        return {
            "social": social.enabled,
            "beta": social.beta,
            "peer_table": table,
            "learning": learning.model_dump() if learning.enabled else None,
        }
    # LLM agents see a short table of the most successful peers (bounded prompt). The best
    # peers_shown + 1 members are ranked once per fan-out (nsmallest is sorted(...)[:n], the
    # key the row's rounded payoff); an agent's best peers are those without itself.
    shown = social.peers_shown
    records = state["agents"]
    leaders = shared_by_fan_out(
        state,
        f"commons.learn.leaders.{shown}",
        lambda: heapq.nsmallest(
            shown + 1, alive(state), key=lambda a: (-round(records[a]["payoff"], 6), a)
        ),
    )
    ranked = [_peer_row(state, peer) for peer in leaders if peer != agent][:shown]
    for row in ranked:
        row.pop("strategy")
    return {"peer_table": ranked, "peers_shown": [row["agent"] for row in ranked]}


def _peer_row(state: SocietyState, peer: str) -> dict[str, Any]:
    record = state["agents"][peer]
    news = record["news"]
    return {
        "agent": peer,
        "harvest": news["harvest"],
        "payoff": round(record["payoff"], 6),
        "payoff_change": round(record["last_payoff_change"] or 0.0, 6),
        "punished": bool(news["sanctions_received"]),
        "limit": record["strategy"]["norm"],
        "strategy": {
            key: record["strategy"][key] for key in ("effort", "monitor", "punish", "norm")
        },
    }


def learners(state: SocietyState, deps: CoordinatorDeps) -> list[str]:
    """Rule agents learn every round when individual or social learning is on; LLM agents
    take a learning turn only with social learning (one call that sees the peer table)."""
    scenario = deps.scenario
    social = scenario.institutions.social_learning.enabled
    chosen = []
    for agent in alive(state):
        if deps.mind_sources[agent] == "rules":
            if social or scenario.learning.enabled:
                chosen.append(agent)
        elif social:
            chosen.append(agent)
    return chosen
