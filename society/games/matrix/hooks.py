"""What the matrix game gives the institutions that work on pairs (peer punishment,
reputation, partner choice): this round's matches from the state, acts read as cooperation
(1 for the matrix's `cooperate`, else 0), and the state updates of their events."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from society.games.matrix.events import PairPlayed
from society.institutions.punishment import PunisherRule, Seen, SeenAct
from society.institutions.reputation import Observation


def _cooperated(action: str, settings: Any) -> float:
    return 1.0 if action == settings.cooperate else 0.0


def sides(match: Any) -> tuple[tuple[str, str, str, str], tuple[str, str, str, str]]:
    """(me, partner, my action, partner's action) for both players of a match."""
    get = match.get if isinstance(match, dict) else lambda k: getattr(match, k)
    row, column = get("row"), get("column")
    row_action, column_action = get("row_action"), get("column_action")
    return (row, column, row_action, column_action), (column, row, column_action, row_action)


def _sanction(state: Any, agents: Sequence[str], reason: str) -> dict[str, list[str]]:
    sanctioned = {agent: list(reasons) for agent, reasons in state["sanctioned"].items()}
    for agent in agents:
        if reason not in sanctioned.setdefault(agent, []):
            sanctioned[agent].append(reason)
    return dict(sorted(sanctioned.items()))


class MatrixPunishment:
    """A player saw one act this round: its partner's move."""

    def seen(self, state: Any, agent: str, deps: Any) -> Seen:
        settings = deps.scenario.matrix
        for match in state["matches"]:
            for me, partner, mine, theirs in sides(match):
                if me != agent:
                    continue
                label = settings.actions
                return Seen(
                    acts=[
                        SeenAct(
                            member=partner,
                            amount=_cooperated(theirs, settings),
                            text=f"played {label[theirs]} ({theirs})",
                        )
                    ],
                    own=SeenAct(
                        member=agent,
                        amount=_cooperated(mine, settings),
                        text=f"played {label[mine]} ({mine})",
                    ),
                    unit="points",
                    situation=[
                        f"Round {state['round']}: you played {label[mine]} against {partner}, "
                        f"who played {label[theirs]}."
                    ],
                )
        return Seen(acts=[])

    def rule(self, state: Any, agent: str, deps: Any) -> PunisherRule:
        return deps.scenario.persona(state["agents"][agent]["persona"]).punishment

    def persona(self, state: Any, agent: str, deps: Any) -> str:
        return deps.personas.get(agent, "")

    def apply(self, state: Any, event: Any, deps: Any) -> dict[str, Any]:
        totals = dict(state["totals"])
        for agent, change in event.changes.items():
            totals[agent] = round(totals[agent] + change, 9)
        return {"totals": totals, "sanctioned": _sanction(state, list(event.received), "punished")}


class MatrixReputation:
    """A match is seen by both its players (direct) and by everyone else (public: the matrix
    game's matches are public, weighed by reputation's `public_weight`)."""

    def observations(self, event: Any, members: Sequence[str], scenario: Any) -> list[Observation]:
        if getattr(event, "kind", None) != "pair_played":
            return []
        settings = scenario.matrix
        found: list[Observation] = []
        for me, partner, _, theirs in sides(event):
            value = _cooperated(theirs, settings)
            found.append(Observation(observer=me, target=partner, value=value, source="direct"))
        for observer in members:
            if observer in (event.row, event.column):
                continue
            for _, partner, _, theirs in sides(event):
                value = _cooperated(theirs, settings)
                found.append(
                    Observation(observer=observer, target=partner, value=value, source="public")
                )
        return found

    def round_events(self, state: Any) -> list[Any]:
        return [PairPlayed(**match) for match in state["matches"]]

    def members(self, state: Any) -> list[str]:
        return list(state["order"])


class MatrixPartnerChoice:
    """The schedule's pairs come from the `pair` phase; a pair that does not form does not
    play, and each member left without a partner earns the refused payoff."""

    def scheduled(self, state: Any) -> list[list[str]]:
        return [list(pair) for pair in state["scheduled"]]

    def members(self, state: Any) -> list[str]:
        return list(state["order"])

    def persona(self, state: Any, agent: str, deps: Any) -> str:
        return deps.personas.get(agent, "")

    def record(self, state: Any, agent: str, candidate: str, deps: Any) -> str:
        relation = state["relations"].get(agent, {}).get(candidate)
        if not relation:
            return "you have not played with them"
        labels = deps.scenario.matrix.actions
        last = relation["partner_last"]
        return (
            f"you played {relation['encounters']} round(s) with them; last time they played "
            f"{labels.get(last, last)}"
        )

    def apply(self, state: Any, event: Any, deps: Any) -> dict[str, Any]:
        totals = dict(state["totals"])
        if event.refused_payoff:
            for agent in event.unmatched:
                totals[agent] = round(totals[agent] + event.refused_payoff, 9)
        refused = [r.target for r in event.refusals]
        return {
            "pairs": [list(pair) for pair in event.pairs],
            "totals": totals,
            "sanctioned": _sanction(state, refused, "refused"),
        }


HOOKS: dict[str, Any] = {
    "punishment": MatrixPunishment(),
    "reputation": MatrixReputation(),
    "partner_choice": MatrixPartnerChoice(),
}
