"""Rule players: every strategy is a pure function of (view, rng) returning a Move.

The view is the player's observation as a dict (observation.MoveObservation): its strategy's
numbers under "strategy", its relation to the partner (rounds together, both players' last
moves, its last payoff, whether the partner ever defected), its own payoffs per cell and the
matrix's cooperative and defecting actions. What each strategy does is documented on its
scenario model (society.games.matrix.scenario); all draws come from the turn's seeded rng.

Payoffs matter where a strategy's definition involves them: win-stay-lose-shift compares its
last payoff with an aspiration derived from the matrix (the mean of its own payoffs over every
cell), so changing the matrix changes when it stays and when it shifts.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from typing import Any

from society.games.matrix.decisions import Move

View = Mapping[str, Any]


def resolve(view: View, reference: str) -> str:
    """An action name, or 'cooperate' / 'defect' for the matrix's actions of that role."""
    names = [a["name"] for a in view["actions"]]
    if reference in names:
        return reference
    named = view.get(reference) if reference in ("cooperate", "defect") else None
    if named is None:
        raise ValueError(f"{reference!r} names no action of this matrix ({', '.join(names)})")
    return str(named)


def other_than(view: View, action: str, rng: random.Random) -> str:
    others = [a["name"] for a in view["actions"] if a["name"] != action]
    return others[0] if len(others) == 1 else others[rng.randrange(len(others))]


def always(view: View, rng: random.Random) -> tuple[str, str]:
    action = resolve(view, view["strategy"]["action"])
    return action, f"I always play {action}"


def tit_for_tat(view: View, rng: random.Random) -> tuple[str, str]:
    relation = view["relation"]
    if relation["encounters"] == 0:
        action = resolve(view, view["strategy"]["opening"])
        return action, f"a new partner: I open with {action}"
    last = relation["partner_last"]
    return last, f"{view['partner']} played {last} last time: so do I"


def grim_trigger(view: View, rng: random.Random) -> tuple[str, str]:
    if view["relation"]["partner_defected"]:
        return view["defect"], f"{view['partner']} defected once: I never cooperate with them again"
    return view["cooperate"], f"{view['partner']} has never defected: I cooperate"


def win_stay_lose_shift(view: View, rng: random.Random) -> tuple[str, str]:
    relation, numbers = view["relation"], view["strategy"]
    if relation["encounters"] == 0:
        action = resolve(view, numbers["opening"])
        return action, f"a new partner: I open with {action}"
    aspiration = numbers["aspiration"]
    if aspiration is None:
        aspiration = view["mean_own_payoff"]
    last, payoff = relation["my_last"], relation["my_last_payoff"]
    if payoff >= aspiration:
        return last, f"{last} earned {payoff:g} ≥ my aspiration {aspiration:g}: I stay"
    shifted = other_than(view, last, rng)
    return shifted, f"{last} earned {payoff:g} < my aspiration {aspiration:g}: I shift to {shifted}"


def random_choice(view: View, rng: random.Random) -> tuple[str, str]:
    numbers = view["strategy"]
    favoured = resolve(view, numbers["action"])
    if rng.random() < numbers["probability"]:
        return favoured, f"drawn: {favoured} (chance {numbers['probability']:g})"
    action = other_than(view, favoured, rng)
    return action, f"drawn: {action}"


def probe(view: View, rng: random.Random) -> tuple[str, str]:
    together = view["relation"]["encounters"] + 1
    if together == view["strategy"]["defect_round"]:
        return view["defect"], f"round {together} with {view['partner']}: I defect once"
    return view["cooperate"], f"round {together} with {view['partner']}: I cooperate"


def cycle(view: View, rng: random.Random) -> tuple[str, str]:
    sequence = view["strategy"]["sequence"]
    together = view["relation"]["encounters"]
    action = resolve(view, sequence[together % len(sequence)])
    return action, f"my turn-taking sequence says {action}"


def adaptive(view: View, rng: random.Random) -> tuple[str, str]:
    chance = view["inclination"]
    if rng.random() < chance:
        return view["cooperate"], f"my inclination to cooperate is {chance:.2f}: I cooperate"
    return view["defect"], f"my inclination to cooperate is {chance:.2f}: I defect"


STRATEGIES: dict[str, Callable[[View, random.Random], tuple[str, str]]] = {
    "always": always,
    "tit_for_tat": tit_for_tat,
    "grim_trigger": grim_trigger,
    "win_stay_lose_shift": win_stay_lose_shift,
    "random": random_choice,
    "probe": probe,
    "cycle": cycle,
    "adaptive": adaptive,
}


def rule_move(view: View, rng: random.Random) -> Move:
    """The strategy's move, then the tremble: with probability `tremble` another action
    (drawn even when the tremble is 0, so the number of draws depends only on the strategy)."""
    kind = view["strategy"]["kind"]
    if kind not in STRATEGIES:
        raise ValueError(f"no matrix strategy {kind!r}; one of: {', '.join(STRATEGIES)}")
    action, why = STRATEGIES[kind](view, rng)
    if rng.random() < view["tremble"]:
        slipped = other_than(view, action, rng)
        return Move(action=slipped, rationale=f"{why}, but my hand trembled: {slipped}")
    return Move(action=action, rationale=why)
