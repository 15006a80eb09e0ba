"""The views agents get in each phase, from the state (the pure builders are in views.py)."""

from __future__ import annotations

from typing import Any

from society.games.donor.calendar import position
from society.games.donor.state import DonorState, pairs_now
from society.games.donor.views import donation_view, strategy_view


def rule_text(rule: dict[str, Any]) -> str:
    """A rule agent's numbers in words, for LLM newcomers who read its strategy."""
    share = f"{rule['fraction']:.0%}"
    if rule["kind"] == "fixed":
        return f"My strategy will be to give {share} of my resources to every recipient."
    text = (
        f"My strategy will be to give {share} of my resources to strangers and to recipients "
        f"who last gave at least {rule['threshold']:.0%}, and less to those who gave less"
    )
    if rule.get("punish_probability", 0) > 0:
        text += (
            f" (where punishing is possible, I punish them with probability "
            f"{rule['punish_probability']:.0%}, spending {rule['punish_fraction']:.0%})"
        )
    return text + "."


def recipient_of(state: DonorState, donor: str, game_round: int) -> str:
    for giver, recipient in pairs_now(state, game_round):
        if giver == donor:
            return recipient
    raise ValueError(f"{donor} is not a donor in round {game_round} of this game")


def observe_donation(state: DonorState, agent: str, deps: Any) -> dict[str, Any]:
    where = position(state["round"], deps.scenario.donor)
    view = donation_view(
        {**state, "game": where.game},
        deps.scenario.donor,
        donor=agent,
        recipient=recipient_of(state, agent, where.game_round),
        round=where.game_round,
        run_round=state["round"],
    )
    return {**view, "persona": deps.personas.get(agent, "")}


def inherited_for(state: DonorState, agent: str, deps: Any) -> list[dict[str, Any]]:
    """Survivors' strategies as this agent can use them: rule newcomers copy numbers (only
    rule survivors'), LLM newcomers read words (a rule survivor's numbers put in words)."""
    rules = deps.mind_sources[agent] == "rules"
    shown = []
    for item in state["inherited"]:
        strategy = item["strategy"]
        if strategy is None:
            continue  # the survivor wrote none (its decision failed); nothing to read
        if rules and not isinstance(strategy, dict):
            continue
        if not rules and isinstance(strategy, dict):
            strategy = rule_text(strategy)
        shown.append({**item, "strategy": strategy})
    return shown


def observe_strategy(state: DonorState, agent: str, deps: Any) -> dict[str, Any]:
    scenario = deps.scenario
    view = strategy_view(
        scenario.donor,
        agent=agent,
        generation=state["generation"],
        population=len(state["members"]),
        inherited=inherited_for(state, agent, deps),
        run_round=state["round"],
    )
    persona = state["agents"][agent]["persona"]
    return {
        **view,
        "persona": deps.personas.get(agent, ""),
        "persona_rule": scenario.persona(persona).strategy.model_dump(),
    }
