"""What an agent observes: the view dicts a phase hands to a mind and to the prompts.

Plain data in, plain data out. `settings` is the DonorSettings section (read by attribute);
the state is the phase's JSON state: {"generation": int, "resources": {agent: float},
"history": [interaction records of this generation], "strategies": {agent: str | dict}}.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from society.games.donor.dynamics import allowed_actions, recent_trace


def _rules(settings: Any, population: int) -> dict[str, Any]:
    return {
        "variant": settings.variant,
        "actions": list(allowed_actions(settings.variant)),
        "gain": settings.cooperation_gain,
        "punishment_loss": settings.punishment_loss,
        "endowment": settings.endowment,
        "generations": settings.generations,
        "rounds": settings.rounds_per_game,
        "games": settings.games_per_generation,
        "population": population,
        "survivor_fraction": settings.survivor_fraction,
        "trace_depth": settings.trace_depth,
    }


def donation_view(
    state: Mapping[str, Any],
    settings: Any,
    *,
    donor: str,
    recipient: str,
    round: int,
    run_round: int | None = None,
) -> dict[str, Any]:
    """The donor's view: its resources and strategy, the recipient's resources and trace.
    An LLM agent's strategy is text ("strategy"); a rule agent's is numbers ("rule").
    `round` is the round of the game at hand (what the prompt and traces say); `run_round`
    the run's round number (what events are filed under; default: the same)."""
    resources = state["resources"]
    strategy = state["strategies"].get(donor)
    return {
        "agent": donor,
        "generation": state["generation"],
        "game": state.get("game", 1),
        "round": round if run_round is None else run_round,
        "game_round": round,
        "resources": resources[donor],
        "recipient": {
            "name": recipient,
            "resources": resources[recipient],
            "trace": recent_trace(state["history"], recipient, settings.trace_depth),
        },
        "strategy": strategy if isinstance(strategy, str) else None,
        "rule": strategy if isinstance(strategy, Mapping) else None,
        **_rules(settings, len(resources)),
    }


def strategy_view(
    settings: Any,
    *,
    agent: str,
    generation: int,
    population: int,
    inherited: Sequence[Mapping[str, Any]],
    run_round: int = 0,
) -> dict[str, Any]:
    """A newcomer's view before it plays: the rules, and the survivors' strategies it
    inherits (best first; empty in the first generation). `run_round`: the run's round."""
    return {
        "agent": agent,
        "generation": generation,
        "round": run_round,
        "inherited": [dict(item) for item in inherited],
        **_rules(settings, population),
    }
