"""Learning: payoff-biased social learning (imitation of more successful peers by the Fermi
rule [P]) and rule agents' individual learning from consequences (the scenario's `learning:`
section [O]), in one turn at the end of the round.

- Rule agents learn every round when individual or social learning is on: individual
  learning (Bush–Mosteller with an aspiration, `RuleLearning`) reinforces or inhibits their
  propensities to keep the norm, to inspect and to punish by what the round paid them; social
  learning compares this round's payoff change with one random peer's and copies its strategy
  with the Fermi probability 1 / (1 + exp(−β (π_peer − π_self))) [P].
- LLM agents take a learning turn only with social learning on: they see a short table of the
  most successful peers and revise their strategy in words (`Revision`), which may carry a
  reflection they will remember.

The turn is always part of a commons round (rule agents' individual learning runs in it);
with nobody learning it writes nothing."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from society.core.decision import RATIONALE_MAX, Choice, DecisionModel, context_of
from society.core.institution import Institution
from society.core.settings import Strict
from society.games.commons.institutions._commons import CommonsTurn, number, of_kind
from society.transcript.events import Event

NAME = "social_learning"
# The strategy tuple imitation copies; a rule agent's aspiration is its own experience.
NUMERIC = ("effort", "monitor", "punish", "norm", "comply")


class SocialLearning(Strict):
    """Payoff-biased imitation of successful peers."""

    enabled: bool = Field(
        False, description="Agents adopt strategies from more successful peers [P]."
    )
    beta: float = Field(
        1.0,
        ge=0.0,
        le=100.0,
        description="β of the Fermi rule: selection strength [P rule, O value].",
    )
    peers_shown: int = Field(
        5, ge=1, le=50, description="Rows of the payoff-sorted peer table shown to LLM agents [O]."
    )


# --- events ------------------------------------------------------------------------------------


class StrategyUpdated(Event):
    """Individual and social learning: an agent's strategy before and after, and whom it
    compared itself with or followed."""

    kind: Literal["strategy_updated"] = "strategy_updated"
    agent: str
    followed: str | None
    copied: bool
    copy_probability: float | None
    before: dict[str, Any]
    after: dict[str, Any]


# --- decisions ---------------------------------------------------------------------------------


class Revision(DecisionModel):
    """An LLM agent's revised strategy after seeing how peers fared."""

    followed: str | None = Field(
        None, description="The member whose approach you adopt, or null for none."
    )
    strategy: str = Field(
        min_length=1,
        max_length=400,
        description="Your strategy from now on, in one or two sentences.",
    )
    personal_limit: float = Field(
        ge=0.0, description="The most you intend to take per round, in resource units."
    )
    rationale: str = Field(
        min_length=1, max_length=RATIONALE_MAX, description="One or two sentences: why."
    )
    reflection: str | None = Field(
        None,
        max_length=400,
        description="Optional: one sentence on what this round taught you (you will remember it).",
    )

    @classmethod
    def choices(cls, context: dict[str, Any]) -> tuple[Choice, ...]:
        shown = context.get("peers_shown")
        return () if shown is None else ((("followed",), (*shown, None)),)

    @field_validator("followed")
    @classmethod
    def _followable(cls, followed: str | None, info: ValidationInfo) -> str | None:
        if followed in (None, ""):
            return None
        shown = context_of(info).get("peers_shown")
        if shown is not None and followed not in shown:
            raise ValueError(
                f"'followed' must be null or one of the members in the table: {', '.join(shown)}"
            )
        return followed


class RuleUpdate(DecisionModel):
    """A rule-based agent's new strategy tuple after individual and social learning."""

    effort: float = Field(ge=0.0, le=1.0)
    monitor: float = Field(ge=0.0, le=1.0)
    punish: float = Field(ge=0.0, le=1.0)
    norm: float = Field(ge=0.0)
    comply: float = Field(ge=0.0, le=1.0)
    aspiration: float | None = None
    followed: str | None = None
    copy_probability: float | None = Field(None, ge=0.0, le=1.0)
    copied: bool = False
    rationale: str = Field(min_length=1, max_length=RATIONALE_MAX)

    @model_validator(mode="after")
    def _copy_needs_peer(self) -> RuleUpdate:
        if self.copied and self.followed is None:
            raise ValueError("a copied strategy names the peer it came from")
        return self


# --- the rule policy ---------------------------------------------------------------------------


def individual_lesson(view: Any, context: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """Bush–Mosteller learning from this round's consequences (`RuleLearning`): the new
    propensities and aspiration, and why in words."""
    from society.games.commons.dynamics.reinforcement import lesson, pull, reinforce
    from society.games.commons.dynamics.sanctions import violates

    s, news, learning = view.strategy, view.news, context["learning"]
    limit = news.norm_limit if news.norm_limit is not None else view.norm_limit
    # What the round paid, as the agent values it: an internalised norm counts each unit
    # taken above the norm as `norm_weight` units lost.
    excess = max(0.0, (news.harvest or 0.0) - limit)
    payoff = (view.last_payoff_change or 0.0) - s.norm_weight * excess
    fined = sum(received.fine for received in news.sanctions_received)
    enforcement = news.costs_paid + news.fines_paid  # monitoring and punishing costs
    # The first aspiration is what the round would have paid without fines or enforcement.
    aspiration = s.aspiration if s.aspiration is not None else payoff + fined + enforcement
    taught = lesson(payoff, aspiration, learning["stimulus_scale"] * limit, learning["habituation"])
    rate, stimulus = learning["rate"], taught.stimulus
    update: dict[str, Any] = {"aspiration": round(taught.aspiration, 9)}
    effort = s.effort
    if not news.sanctions_received:  # temptation: unpunished, the habit drifts upward
        effort = min(1.0, effort + learning["greed"])
    if news.harvest is not None:  # it harvested, so it kept or broke the norm
        kept = not violates(news.harvest, limit)
        update["comply"] = reinforce(s.comply, kept, stimulus, rate)
        # A lesson for the norm (keeping it paid, or breaking it hurt) also pulls the habit
        # toward the effort that would have kept it (effort commons: harvest ∝ effort).
        if stimulus != 0.0 and (stimulus > 0.0) == kept and view.last_effort and news.harvest:
            fitting = s.norm_aim * limit * view.last_effort / news.harvest
            if fitting < effort:
                effort = pull(effort, fitting, stimulus, rate)
        if context.get("could_inspect"):
            update["monitor"] = reinforce(s.monitor, news.inspection is not None, stimulus, rate)
    if context.get("could_punish"):
        update["punish"] = reinforce(s.punish, bool(news.punished), stimulus, rate)
    update["effort"] = min(1.0, max(0.0, effort))
    why = (
        f"stimulus {stimulus:+.2f} (payoff change {payoff:.2f} against aspiration {aspiration:.2f})"
    )
    return update, why


def rule_learn(view: Any, context: dict[str, Any], rng: random.Random) -> RuleUpdate:
    from society.games.commons.dynamics.social_learning import fermi_probability

    s = view.strategy
    update: dict[str, Any] = {
        "effort": s.effort,
        "monitor": s.monitor,
        "punish": s.punish,
        "norm": s.norm,
        "comply": s.comply,
        "aspiration": s.aspiration,
    }
    reasons = []
    if context.get("learning") is not None and view.news is not None:
        learned, why = individual_lesson(view, context)
        update.update(learned)
        reasons.append(why)
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
            update.update({key: peer["strategy"][key] for key in NUMERIC})
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


# --- the turn ----------------------------------------------------------------------------------


def _alive(state: Mapping[str, Any]) -> list[str]:
    from society.core.state import alive

    return alive(state)


def learners(state: Mapping[str, Any], deps: Any) -> list[str]:
    """Rule agents learn every round when individual or social learning is on; LLM agents
    take a learning turn only with social learning (one call that sees the peer table)."""
    scenario = deps.scenario
    social = getattr(scenario.institutions, NAME).enabled
    chosen = []
    for agent in _alive(state):
        if deps.mind_sources[agent] == "rules":
            if social or scenario.learning.enabled:
                chosen.append(agent)
        elif social:
            chosen.append(agent)
    return chosen


def learn_context(state: Mapping[str, Any], agent: str, deps: Any) -> dict[str, Any]:
    import heapq

    from society.core.rng import derive_rng
    from society.core.state import shared_by_fan_out

    scenario = deps.scenario
    social = getattr(scenario.institutions, NAME)
    if deps.mind_sources[agent] == "rules":
        # The Fermi rule compares with one random peer: draw it here (seeded per agent and
        # round) so that a learner costs O(1), not a table of every peer.
        peers = [peer for peer in _alive(state) if peer != agent]
        learning = scenario.learning
        table = []
        if social.enabled and peers:
            rng = derive_rng(scenario.seed, state["round"], "learn", agent)
            table = [_peer_row(state, rng.choice(peers))]
        from society.games.commons.institutions.sanctions import punishable

        return {
            "social": social.enabled,
            "beta": social.beta,
            "peer_table": table,
            "learning": learning.model_dump() if learning.enabled else None,
            "could_inspect": learning.enabled and scenario.institutions.monitoring.enabled,
            "could_punish": learning.enabled and bool(punishable(state, agent, deps)),
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
            shown + 1, _alive(state), key=lambda a: (-round(records[a]["payoff"], 6), a)
        ),
    )
    ranked = [_peer_row(state, peer) for peer in leaders if peer != agent][:shown]
    for row in ranked:
        row.pop("strategy")
    return {
        "peer_table": ranked,
        "peers_shown": [row["agent"] for row in ranked],
        # The table's "punished" column only where punishment exists (no talk of sanctions
        # that the scenario does not have).
        "sanctions": scenario.institutions.sanctions.enabled,
    }


def _peer_row(state: Mapping[str, Any], peer: str) -> dict[str, Any]:
    record = state["agents"][peer]
    news = record["news"]
    return {
        "agent": peer,
        "harvest": news["harvest"],
        "payoff": round(record["payoff"], 6),
        "payoff_change": round(record["last_payoff_change"] or 0.0, 6),
        "punished": bool(news["sanctions_received"]),
        "limit": record["strategy"]["norm"],
        "strategy": {key: record["strategy"][key] for key in NUMERIC},
    }


def resolve_learning(state: Mapping[str, Any], deps: Any) -> dict[str, Any]:
    """Apply each agent's revised strategy and record who followed whom."""
    from society.coordinator.deps import decided
    from society.games.commons.state import copy_agents

    if stop := deps.write_outcomes(state["outcomes"]):
        return {"end_reason": stop}
    agents = copy_agents(state)
    for agent, choice in decided(state["outcomes"]).items():
        strategy = agents[agent]["strategy"]
        before = dict(strategy)
        if deps.mind_sources[agent] == "rules":
            strategy.update({key: choice[key] for key in (*NUMERIC, "aspiration")})
            copied, probability = choice["copied"], choice["copy_probability"]
        else:
            strategy.update({"text": choice["strategy"], "norm": choice["personal_limit"]})
            copied, probability = choice["followed"] is not None, None
        deps.writer.write(
            StrategyUpdated(
                round=state["round"],
                agent=agent,
                followed=choice["followed"],
                copied=copied,
                copy_probability=probability,
                before=before,
                after=dict(strategy),
            )
        )
    return {"agents": agents}


class Learn(CommonsTurn):
    """Individual learning (rule agents) and payoff-biased social learning."""

    name: ClassVar[str] = "learn"
    node: ClassVar[str] = "resolve_learning"
    requires: ClassVar[frozenset[str]] = frozenset({"payoffs"})

    def actors(self, state: Any, deps: Any) -> list[str]:
        return learners(state, deps)

    def context(self, state: Any, agent: str, deps: Any) -> dict[str, Any]:
        return learn_context(state, agent, deps)

    def resolve(self, state: Any, deps: Any) -> dict[str, Any]:
        return resolve_learning(state, deps)

    def decision_type(self, view: Any, source: str) -> type[DecisionModel]:
        # Rule-based agents update their numeric strategy tuple; LLM agents revise in words.
        return RuleUpdate if source == "rules" else Revision

    def rule(self, request: Any, rng: random.Random) -> DecisionModel:
        return rule_learn(request.observation, request.context, rng)


def _always(scenario: Any) -> bool:
    return True  # rule agents' individual learning runs in this turn, social learning or not


# --- memory, metrics, inspect, report ----------------------------------------------------------


def _remember(event: StrategyUpdated, state: Mapping[str, Any], keeper: Any) -> list[Any]:
    if event.copied and event.followed:
        text = f"I copied {event.followed}."
    elif keeper.mind_sources.get(event.agent) == "llm":
        text = f"My strategy: «{event.after.get('text', '')}»"
    else:
        text = f"I adjusted my habits (limit {number(float(event.after.get('norm', 0.0)))})."
    return [keeper.item(event.agent, event, "learning", text, 0.3)]


def learning_metrics(events: Sequence[Any]) -> dict[str, Any]:
    """copies: strategies copied from a peer (social learning)."""
    return {"copies": sum(1 for e in of_kind(events, "strategy_updated") if e.copied)}


def _inspect(console: Any, events: Sequence[Any]) -> None:
    updates = of_kind(events, "strategy_updated")
    if not updates:
        return
    console.print("[bold]Learning[/]")
    for u in updates:
        if u.copied:
            console.print(
                f"  {u.agent} copied {u.followed}"
                + (f" (p={u.copy_probability:.2f})" if u.copy_probability is not None else ""),
                highlight=False,
            )
    changed = [u for u in updates if not u.copied]
    if changed:
        console.print(
            f"  {len(changed)} agent(s) kept their own strategy (adjusted by experience)",
            highlight=False,
        )


def _report(events: Sequence[Any]) -> dict[str, Any]:
    return {
        "learning": [
            [u.agent, u.followed, u.copied, u.after] for u in of_kind(events, "strategy_updated")
        ]
    }


INSTITUTION = Institution(
    name=NAME,
    settings=SocialLearning,
    phases=(Learn(),),
    after="vote",
    games=("commons",),
    events=(StrategyUpdated,),
    memories={"strategy_updated": _remember},
    prompts=("learn",),
    active=_always,
    dump_position=5,
    game_metrics=learning_metrics,
    inspect_section=_inspect,
    report_round=_report,
    listed_when_off=True,
)
