"""The donor game's phases: newcomers write their strategies (at a generation's start), the
round's donors act, and a closing step settles games and generations."""

from __future__ import annotations

import random
from typing import Any

from society.agents.mind import DecisionRequest
from society.coordinator.deps import decided
from society.core.decision import DecisionModel
from society.core.phase import Phase
from society.games.donor import decisions as d
from society.games.donor.calendar import position
from society.games.donor.closing import close_round
from society.games.donor.donating import resolve_donations
from society.games.donor.events import StrategyAdopted
from society.games.donor.observation import DonationObservation, StrategyObservation
from society.games.donor.rules import inherit_rule_strategy, rule_donation
from society.games.donor.state import DonorState


class Inherit(Phase):
    """At the first round of a generation, its newcomers (in the first, the LLM founders) read
    the survivors' strategies and write their own [V&H]."""

    name = "inherit"
    node = "resolve_strategies"
    resolve_when_idle = False
    produces = frozenset({"strategies"})
    observation = StrategyObservation

    def actors(self, state: DonorState, deps: Any) -> list[str]:
        if not position(state["round"], deps.scenario.donor).starts_generation:
            return []
        return [a for a in state["newcomers"] if state["strategies"].get(a) is None]

    def resolve(self, state: DonorState, deps: Any) -> dict[str, Any]:
        outcomes = state["outcomes"]
        if stop := deps.write_outcomes(outcomes):
            return {"end_reason": stop}
        strategies = dict(state["strategies"])
        for agent, decision in decided(outcomes).items():
            if "strategy" in decision:  # an LLM's words
                strategies[agent] = decision["strategy"]
                event = StrategyAdopted(
                    round=state["round"],
                    agent=agent,
                    generation=state["generation"],
                    origin="written",
                    text=decision["strategy"],
                    rationale=decision["rationale"],
                )
            else:  # a rule agent's numbers
                rule = dict(decision)  # a RuleStrategy, as rules.py reads it
                strategies[agent] = rule
                event = StrategyAdopted(
                    round=state["round"],
                    agent=agent,
                    generation=state["generation"],
                    origin="written",
                    rule=rule,
                    copied_from=decision["copied_from"],
                    rationale=decision["rationale"],
                )
            deps.writer.write(event)
        return {"strategies": strategies}

    def prompt_id(self, view: Any) -> str:
        return "donor_strategy"

    def decision_type(self, view: Any, source: str) -> type[DecisionModel]:
        return d.StrategyText if source == "llm" else d.RuleStrategy

    def rule(self, request: DecisionRequest, rng: random.Random) -> DecisionModel:
        view = request.observation.model_dump()
        if view["inherited"]:
            return inherit_rule_strategy(view, rng)
        # No rule survivor to copy (they were all LLM agents): the seat's persona numbers.
        return d.RuleStrategy(
            **view["persona_rule"],
            copied_from=None,
            rationale="no survivor's numbers to copy: my persona's",
        )


class Donate(Phase):
    """Each pair's donor gives, punishes or refuses (concurrently; one pair per agent)."""

    name = "donate"
    node = "resolve_donations"
    produces = frozenset({"donations"})
    observation = DonationObservation

    def actors(self, state: DonorState, deps: Any) -> list[str]:
        where = position(state["round"], deps.scenario.donor)
        return sorted(donor for donor, _ in state["schedule"][where.game_round - 1])

    def context(self, state: DonorState, agent: str, deps: Any) -> dict[str, Any]:
        return {"variant": deps.scenario.donor.variant}

    def resolve(self, state: DonorState, deps: Any) -> dict[str, Any]:
        return resolve_donations(state, deps)

    def prompt_id(self, view: Any) -> str:
        return "donor_donate"

    def decision_type(self, view: Any, source: str) -> type[DecisionModel]:
        return d.Donation

    def rule(self, request: DecisionRequest, rng: random.Random) -> DecisionModel:
        return rule_donation(request.observation.model_dump(), rng)


class Close(Phase):
    """Closes the round: a finished game's results, a finished generation's selection and
    the next generation's seats, and the end of the run."""

    name = "close"
    node = "close_round"
    turns = False
    requires = frozenset({"donations"})

    def resolve(self, state: DonorState, deps: Any) -> dict[str, Any]:
        return close_round(state, deps)


PHASES: tuple[Phase, ...] = (Inherit(), Donate(), Close())
