"""The commons' phases: the harvest and the economy, and the institutions of the
social-learning paper and GovSim (monitoring rides on the harvest, gossip and sanctions share
the respond turn, the town hall, propose → vote, learning)."""

from __future__ import annotations

import random
from typing import Any

from society.agents.mind import DecisionRequest
from society.core.phase import Phase
from society.core.state import alive
from society.games.commons import decisions as d
from society.games.commons import rules, town_hall, views
from society.games.commons.choice import resolve_proposals, resolve_vote
from society.games.commons.enforcement import resolve_respond
from society.games.commons.harvesting import resolve_harvest
from society.games.commons.learning import resolve_learning
from society.games.commons.observation import Observation
from society.games.commons.settlement import regrow, settle


class CommonsPhase(Phase):
    observation = Observation

    def validation_context(self, view: Any, context: dict[str, Any]) -> dict[str, Any]:
        # The stock is the largest ask (amount harvests).
        return {**context, "max_amount": view.max_amount, "round": view.round}


class Harvest(CommonsPhase):
    """Every member not excluded takes from the commons; monitors name whom they inspect."""

    name = "harvest"
    node = "resolve_harvest"
    produces = frozenset({"harvests", "inspections"})

    def actors(self, state: Any, deps: Any) -> list[str]:
        return views.harvesters(state)

    def context(self, state: Any, agent: str, deps: Any) -> dict[str, Any]:
        return views.harvest_context(state, agent, deps)

    def resolve(self, state: Any, deps: Any) -> dict[str, Any]:
        return resolve_harvest(state, deps)

    def prompt_id(self, view: Any) -> str:
        return f"harvest_{view.harvest_mode}"

    def decision_type(self, view: Any, source: str) -> type[d.DecisionModel]:
        return d.HARVEST_DECISIONS[view.harvest_mode]

    def rule(self, request: DecisionRequest, rng: random.Random) -> d.DecisionModel:
        return rules.harvest(request.observation, request.decision_type, request.context, rng)


class Respond(CommonsPhase):
    """Gossip and sanctions, in one turn after the harvest (and the inspections) are known."""

    name = "respond"
    node = "resolve_respond"
    requires = frozenset({"harvests"})
    produces = frozenset({"messages", "sanctions"})

    def enabled(self, scenario: Any) -> bool:
        institutions = scenario.institutions
        return institutions.gossip.enabled or institutions.sanctions.enabled

    def actors(self, state: Any, deps: Any) -> list[str]:
        return views.responders(state, deps)

    def context(self, state: Any, agent: str, deps: Any) -> dict[str, Any]:
        return views.respond_context(state, agent, deps)

    def resolve(self, state: Any, deps: Any) -> dict[str, Any]:
        return resolve_respond(state, deps)

    def decision_type(self, view: Any, source: str) -> type[d.DecisionModel]:
        return d.Respond

    def rule(self, request: DecisionRequest, rng: random.Random) -> d.DecisionModel:
        return rules.respond(request.observation, request.context, rng)


class OpenTownHall(CommonsPhase):
    """GovSim's town hall opens with everyone's catch and a first speaker drawn."""

    name = "town_hall"
    node = "open_town_hall"
    turns = False
    requires = frozenset({"harvests"})
    produces = frozenset({"town_hall"})

    def enabled(self, scenario: Any) -> bool:
        return scenario.institutions.town_hall.enabled

    def resolve(self, state: Any, deps: Any) -> dict[str, Any]:
        return town_hall.open_town_hall(state, deps)


class Speak(CommonsPhase):
    """One speaker at a time, each naming the next, up to the scenario's number of turns."""

    name = "speak"
    node = "resolve_utterance"
    repeats = True
    resolve_when_idle = False
    requires = frozenset({"town_hall"})
    produces = frozenset({"utterances"})

    def enabled(self, scenario: Any) -> bool:
        return scenario.institutions.town_hall.enabled

    def actors(self, state: Any, deps: Any) -> list[str]:
        speaker = state["town_hall"].get("speaker")
        return [speaker] if speaker else []

    def context(self, state: Any, agent: str, deps: Any) -> dict[str, Any]:
        return town_hall.speak_context(state, agent, deps)

    def resolve(self, state: Any, deps: Any) -> dict[str, Any]:
        return town_hall.resolve_utterance(state, deps)

    def steps(self, scenario: Any) -> int:
        return 2 * scenario.institutions.town_hall.max_utterances

    def prompt_id(self, view: Any) -> str:
        return "town_hall_speak"

    def decision_type(self, view: Any, source: str) -> type[d.DecisionModel]:
        return d.Utterance

    def rule(self, request: DecisionRequest, rng: random.Random) -> d.DecisionModel:
        return rules.speak(request.observation, request.context, rng)


class Summarize(CommonsPhase):
    """Every member notes a summary and any agreed per-member limit."""

    name = "summarize"
    node = "resolve_summaries"
    requires = frozenset({"town_hall"})
    produces = frozenset({"agreements"})

    def enabled(self, scenario: Any) -> bool:
        return scenario.institutions.town_hall.enabled

    def actors(self, state: Any, deps: Any) -> list[str]:
        return alive(state)

    def context(self, state: Any, agent: str, deps: Any) -> dict[str, Any]:
        return town_hall.summary_context(state, agent, deps)

    def resolve(self, state: Any, deps: Any) -> dict[str, Any]:
        return town_hall.resolve_summaries(state, deps)

    def prompt_id(self, view: Any) -> str:
        return "town_hall_summary"

    def decision_type(self, view: Any, source: str) -> type[d.DecisionModel]:
        return d.Agreement

    def rule(self, request: DecisionRequest, rng: random.Random) -> d.DecisionModel:
        return rules.summarize(request.context)


class Settle(CommonsPhase):
    """Consumption and starvation, after fines were paid."""

    name = "settle"
    node = "settle"
    turns = False
    produces = frozenset({"payoffs"})

    def resolve(self, state: Any, deps: Any) -> dict[str, Any]:
        return settle(state, deps)


class Propose(CommonsPhase):
    """Each member proposes a norm with a numeric limit (the ballot is drawn from them)."""

    name = "propose"
    node = "resolve_proposals"
    produces = frozenset({"ballot"})

    def enabled(self, scenario: Any) -> bool:
        return scenario.institutions.voting.enabled

    def actors(self, state: Any, deps: Any) -> list[str]:
        return alive(state)

    def resolve(self, state: Any, deps: Any) -> dict[str, Any]:
        return resolve_proposals(state, deps)

    def decision_type(self, view: Any, source: str) -> type[d.DecisionModel]:
        return d.Proposal

    def rule(self, request: DecisionRequest, rng: random.Random) -> d.DecisionModel:
        return rules.propose(request.observation)


class Vote(CommonsPhase):
    """Plurality vote over the ballot; the winner becomes the norm G(t+1)."""

    name = "vote"
    node = "resolve_vote"
    requires = frozenset({"ballot"})
    produces = frozenset({"norm"})

    def enabled(self, scenario: Any) -> bool:
        return scenario.institutions.voting.enabled

    def actors(self, state: Any, deps: Any) -> list[str]:
        return alive(state)

    def context(self, state: Any, agent: str, deps: Any) -> dict[str, Any]:
        return views.vote_context(state)

    def resolve(self, state: Any, deps: Any) -> dict[str, Any]:
        return resolve_vote(state, deps)

    def decision_type(self, view: Any, source: str) -> type[d.DecisionModel]:
        return d.Vote

    def rule(self, request: DecisionRequest, rng: random.Random) -> d.DecisionModel:
        return rules.vote(request.observation, request.context, rng)


class Learn(CommonsPhase):
    """Individual learning (rule agents) and payoff-biased social learning."""

    name = "learn"
    node = "resolve_learning"
    requires = frozenset({"payoffs"})

    def actors(self, state: Any, deps: Any) -> list[str]:
        return views.learners(state, deps)

    def context(self, state: Any, agent: str, deps: Any) -> dict[str, Any]:
        return views.learn_context(state, agent, deps)

    def resolve(self, state: Any, deps: Any) -> dict[str, Any]:
        return resolve_learning(state, deps)

    def decision_type(self, view: Any, source: str) -> type[d.DecisionModel]:
        # Rule-based agents update their numeric strategy tuple; LLM agents revise in words.
        return d.RuleUpdate if source == "rules" else d.Revision

    def rule(self, request: DecisionRequest, rng: random.Random) -> d.DecisionModel:
        return rules.learn(request.observation, request.context, rng)


class Regrow(CommonsPhase):
    """The stock regrows and the end conditions are checked: this phase closes the round."""

    name = "regrow"
    node = "regrow"
    turns = False

    def resolve(self, state: Any, deps: Any) -> dict[str, Any]:
        return regrow(state, deps)


class Reflect(CommonsPhase):
    """LLM agents' end-of-round insight (agent-only: run by the round memory, not listed in a
    round) when social learning, which carries it, is off."""

    name = "reflect"

    def decision_type(self, view: Any, source: str) -> type[d.DecisionModel]:
        return d.Reflection


PHASES: tuple[Phase, ...] = (
    Harvest(),
    Respond(),
    OpenTownHall(),
    Speak(),
    Summarize(),
    Settle(),
    Propose(),
    Vote(),
    Learn(),
    Regrow(),
    Reflect(),
)
