"""The public-goods game's phases: members contribute (the action phase: it produces `acts`,
after which peer punishment may follow), and a closing step settles the round."""

from __future__ import annotations

import random
from typing import Any

from society.core.decision import DecisionModel
from society.core.phase import Phase
from society.games.public_goods.decisions import Contribution
from society.games.public_goods.dynamics import rule_contribution
from society.games.public_goods.observation import ContributionView
from society.institutions.punishment import ACTS


class Contribute(Phase):
    """Every member decides its contribution (concurrently); the project's pot is shared."""

    name = "contribute"
    node = "resolve_contributions"
    produces = frozenset({"contributions", ACTS})
    observation = ContributionView

    def actors(self, state: Any, deps: Any) -> list[str]:
        from society.core.state import alive

        return alive(state)

    def context(self, state: Any, agent: str, deps: Any) -> dict[str, Any]:
        settings = deps.scenario.public_goods
        return {"endowment": settings.endowment, "whole_units": settings.whole_units}

    def prompt_id(self, view: Any) -> str:
        return "pg_contribute"

    def decision_type(self, view: Any, source: str) -> type[DecisionModel]:
        return Contribution

    def rule(self, request: Any, rng: random.Random) -> DecisionModel:
        view = request.observation
        amount = rule_contribution(
            round_number=view.round,
            endowment=view.endowment,
            whole_units=view.whole_units,
            rule=view.rule,
            floor=view.floor,
            last_own=view.last_own,
            last_others_mean=view.last_others_mean,
            rng=rng,
        )
        if view.round == 1 or view.last_others_mean is None:
            why = f"my opening share {view.rule['initial']:.0%}"
        else:
            why = f"{view.rule['match']:g} × the others' mean {view.last_others_mean:.2f}"
        if view.floor > 0:
            why += f", at least my floor {view.floor:.2f} (punishment)"
        return Contribution(contribution=amount, rationale=why)

    def resolve(self, state: Any, deps: Any) -> dict[str, Any]:
        from society.games.public_goods.settling import resolve_contributions

        return resolve_contributions(state, deps)


class Close(Phase):
    """Closes the round: payoffs after punishment, totals, rule agents' floors, the end."""

    name = "close"
    node = "close_round"
    turns = False
    requires = frozenset({"contributions"})

    def resolve(self, state: Any, deps: Any) -> dict[str, Any]:
        from society.games.public_goods.settling import close_round

        return close_round(state, deps)


PHASES: tuple[Phase, ...] = (Contribute(), Close())
