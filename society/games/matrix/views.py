"""What a player observes before its move: the view dict a phase hands to a mind and to the
prompt (plain data in, plain data out)."""

from __future__ import annotations

from typing import Any

from society.core.rng import derive_rng
from society.games.matrix.dynamics import mean_own_payoff, new_relation
from society.games.matrix.state import MatrixState


def seat(state: MatrixState, agent: str) -> tuple[str, str]:
    """(partner, role) of `agent` this round."""
    for row, column in state["pairs"]:
        if row == agent:
            return column, "row"
        if column == agent:
            return row, "column"
    raise ValueError(f"{agent} plays in no pair in round {state['round']}")


def move_view(
    state: MatrixState, agent: str, scenario: Any, *, persona: str, rule: bool
) -> dict[str, Any]:
    settings = scenario.matrix
    told = settings.told
    partner, role = seat(state, agent)
    own = settings.own_payoffs(role)
    options = list(settings.names)
    if told.shuffle_options:
        derive_rng(scenario.seed, state["round"], "options", agent).shuffle(options)
    relation = state["relations"].get(agent, {}).get(partner) or new_relation()
    recent = state["recent"].get(agent, [])
    strategy = None
    if rule:
        strategy = scenario.persona(state["agents"][agent]["persona"]).strategy.model_dump()
    match_rounds = settings.pairing.match_rounds
    return {
        "agent": agent,
        "round": state["round"],
        "rounds": scenario.rounds,
        "partner": partner,
        "role": role,
        "pairing": settings.pairing.kind,
        "match_rounds": match_rounds,
        "round_in_match": (state["round"] - 1) % match_rounds + 1,
        "actions": [{"name": n, "label": label} for n, label in settings.actions.items()],
        "labels": dict(settings.actions),
        "options": options,
        "payoffs": [
            {"mine": mine, "theirs": theirs, "my_payoff": cell[0], "their_payoff": cell[1]}
            for mine, row in own.items()
            for theirs, cell in row.items()
        ],
        "show_partner_payoffs": told.payoffs == "full",
        "horizon": told.horizon,
        "partner_names": told.partner_names,
        "history": recent[-told.history_rounds :] if told.history_rounds else [],
        "total": state["totals"][agent],
        "played": state["played"][agent],
        "persona": persona,
        "cooperate": settings.cooperate,
        "defect": settings.defect,
        "relation": relation,
        "mean_own_payoff": mean_own_payoff(own),
        "strategy": strategy,
        "tremble": settings.tremble,
        "inclination": state["inclination"].get(agent),
    }
