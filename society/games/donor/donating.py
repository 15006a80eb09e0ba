"""Resolving a round's donations: each decided pair's outcome, in the schedule's order."""

from __future__ import annotations

from typing import Any

from society.coordinator.deps import decided
from society.games.donor.calendar import position
from society.games.donor.dynamics import (
    apply_outcome,
    interaction_record,
    recent_trace,
    resolve_donation,
)
from society.games.donor.events import DonationMade
from society.games.donor.state import DonorState, pairs_now


def resolve_donations(state: DonorState, deps: Any) -> dict[str, Any]:
    """Every agent is in one pair per round, so the pairs' order does not change the outcome;
    a donor without a usable decision (recorded as decision_failed) does not interact."""
    outcomes = state["outcomes"]
    if stop := deps.write_outcomes(outcomes):
        return {"end_reason": stop}
    settings = deps.scenario.donor
    where = position(state["round"], settings)
    decisions = decided(outcomes)
    history, resources = state["history"], dict(state["resources"])
    records, failed = [], []
    for donor, recipient in pairs_now(state, where.game_round):
        decision = decisions.get(donor)
        if decision is None:
            failed.append(donor)
            continue
        # The trace as the donor saw it: this game's history before the round.
        trace = recent_trace(history, recipient, settings.trace_depth)
        before_donor, before_recipient = resources[donor], resources[recipient]
        outcome = resolve_donation(
            before_donor,
            before_recipient,
            decision["action"],
            decision["fraction"],
            settings.cooperation_gain,
            settings.punishment_loss,
        )
        resources = apply_outcome(resources, donor, recipient, outcome)
        records.append(
            interaction_record(
                generation=where.generation,
                round=where.game_round,
                donor=donor,
                recipient=recipient,
                action=decision["action"],
                fraction=decision["fraction"],
                donor_resources=before_donor,
                outcome=outcome,
            )
        )
        deps.writer.write(
            DonationMade(
                round=state["round"],
                generation=where.generation,
                game=where.game,
                game_round=where.game_round,
                donor=donor,
                recipient=recipient,
                action=decision["action"],
                fraction=decision["fraction"],
                donor_resources=before_donor,
                recipient_resources=before_recipient,
                given=outcome.given,
                received=outcome.received,
                punished=outcome.punished,
                cost=outcome.cost,
                trace=trace,
            )
        )
    return {"resources": resources, "history": [*history, *records], "failed": failed}
