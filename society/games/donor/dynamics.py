"""The donor game's mechanics as pure functions over plain data (no pydantic, no LangGraph).

State a phase keeps (JSON-serialisable): resources per agent, and the generation's history,
a chronological list of interaction records made by `interaction_record`. Traces and
metrics are computed from that history; nothing here keeps state of its own.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

ACTIONS = ("donate", "punish", "refuse")
VARIANTS = ("none", "costly_punishment", "partner_choice")
# What a donor may do in each variant, besides giving (V&H: punishing replaces the donation,
# refusing means no interaction at all).
_ALLOWED = {
    "none": ("donate",),
    "costly_punishment": ("donate", "punish"),
    "partner_choice": ("donate", "refuse"),
}


def allowed_actions(variant: str) -> tuple[str, ...]:
    if variant not in _ALLOWED:
        raise ValueError(f"unknown donor-game variant {variant!r}; one of: {', '.join(VARIANTS)}")
    return _ALLOWED[variant]


@dataclass(frozen=True)
class DonationOutcome:
    """One donor–recipient interaction, in resource units (all ≥ 0).

    given: what the donor gave up as a donation; received: what the recipient got for it
    (gain · given); cost: everything the donor paid (the donation, or the punishment spend);
    punished: what punishment took from the recipient; refused: no interaction happened.
    """

    given: float
    received: float
    punished: float
    cost: float
    refused: bool

    @property
    def donor_change(self) -> float:
        return -self.cost

    @property
    def recipient_change(self) -> float:
        return self.received - self.punished


def _finite_non_negative(name: str, value: float) -> float:
    if not (math.isfinite(value) and value >= 0.0):
        raise ValueError(f"{name} must be a finite number ≥ 0 (got {value})")
    return float(value)


def resolve_donation(
    donor_resources: float,
    recipient_resources: float,
    action: str,
    amount_fraction: float,
    gain: float,
    punishment_loss: float,
) -> DonationOutcome:
    """What one decision does. `amount_fraction` is the share of the donor's own resources
    it gives up (donate) or spends (punish), so a donor can never pay more than it has.

    Punishment takes punishment_loss × spend from the recipient, but never more than the
    recipient holds (V&H floor the recipient's resources at zero). A refusal moves nothing
    and must come with a fraction of 0.
    """
    donor = _finite_non_negative("donor_resources", donor_resources)
    recipient = _finite_non_negative("recipient_resources", recipient_resources)
    gain = _finite_non_negative("gain", gain)
    loss = _finite_non_negative("punishment_loss", punishment_loss)
    fraction = _finite_non_negative("amount_fraction", amount_fraction)
    if fraction > 1.0:
        raise ValueError(f"amount_fraction must be at most 1 (got {fraction})")
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}; one of: {', '.join(ACTIONS)}")
    spend = fraction * donor
    if action == "donate":
        return DonationOutcome(
            given=spend, received=gain * spend, punished=0.0, cost=spend, refused=False
        )
    if action == "punish":
        return DonationOutcome(
            given=0.0,
            received=0.0,
            punished=min(recipient, loss * spend),
            cost=spend,
            refused=False,
        )
    if fraction != 0.0:
        raise ValueError(f"a refusal moves nothing: its fraction must be 0 (got {fraction})")
    return DonationOutcome(given=0.0, received=0.0, punished=0.0, cost=0.0, refused=True)


def apply_outcome(
    resources: Mapping[str, float], donor: str, recipient: str, outcome: DonationOutcome
) -> dict[str, float]:
    """New resources after an interaction (a copy; the input is left alone)."""
    if donor == recipient:
        raise ValueError(f"{donor!r} cannot donate to itself")
    updated = dict(resources)
    # max(0, ·) only absorbs float rounding: the outcome never takes more than is there.
    updated[donor] = max(0.0, updated[donor] + outcome.donor_change)
    updated[recipient] = max(0.0, updated[recipient] + outcome.recipient_change)
    return updated


def interaction_record(
    *,
    generation: int,
    round: int,
    donor: str,
    recipient: str,
    action: str,
    fraction: float,
    donor_resources: float,
    outcome: DonationOutcome,
) -> dict[str, Any]:
    """The history entry for one interaction: what traces and metrics are built from.
    `donor_resources` is what the donor held before deciding (fractions are of that)."""
    return {
        "generation": generation,
        "round": round,
        "donor": donor,
        "recipient": recipient,
        "action": action,
        "fraction": fraction,
        "donor_resources": donor_resources,
        **asdict(outcome),
    }


def recent_trace(
    history: Sequence[Mapping[str, Any]], agent: str, depth: int
) -> list[dict[str, Any]]:
    """What a donor is shown about `agent` (V&H's reputation mechanism, "last three traces").

    The first entry is `agent`'s most recent act as a donor; the next is what that act's
    recipient had done as a donor before it; and so on, up to `depth` entries. Each entry is
    {"round", "donor", "recipient", "action", "fraction", "given", "punished", "cost"}.
    A shorter list means the chain ran out: the last entry's recipient (or `agent`, for an
    empty list) had not been a donor before. `history` is the current generation's records
    in the order they happened (V&H start every game with empty traces).
    """
    if depth < 0:
        raise ValueError(f"trace depth must be ≥ 0 (got {depth})")
    trace: list[dict[str, Any]] = []
    who, before = agent, len(history)
    while len(trace) < depth:
        # An agent is in one pair per round, so any earlier act of `who` is from an earlier round.
        index = next((i for i in range(before - 1, -1, -1) if history[i]["donor"] == who), None)
        if index is None:
            break
        record = history[index]
        trace.append(
            {
                key: record[key]
                for key in (
                    "round",
                    "donor",
                    "recipient",
                    "action",
                    "fraction",
                    "given",
                    "punished",
                    "cost",
                )
            }
        )
        who, before = record["recipient"], index
    return trace


def generation_metrics(
    history: Sequence[Mapping[str, Any]], final_resources: Mapping[str, float]
) -> dict[str, float | int]:
    """The paper's outcome measures for one generation.

    mean_final_resources: the headline (mean over agents of resources after the last round);
    donation_fraction: mean share of their resources donors gave, over all interactions
    (punishing and refusing count as giving 0); donated_fraction_when_donating: the same over
    donations only; punishment_rate / refusal_rate: share of interactions that punished /
    refused; punishment_spent: total units spent on punishment.
    """
    if not final_resources:
        raise ValueError("generation_metrics needs the final resources of at least one agent")
    count = len(history)
    donations = [r for r in history if r["action"] == "donate"]

    def share(n: int) -> float:
        return n / count if count else 0.0

    return {
        "interactions": count,
        "mean_final_resources": sum(final_resources.values()) / len(final_resources),
        "donation_fraction": sum(r["fraction"] for r in donations) / count if count else 0.0,
        "donated_fraction_when_donating": (
            sum(r["fraction"] for r in donations) / len(donations) if donations else 0.0
        ),
        "total_given": sum(r["given"] for r in history),
        "punishment_rate": share(sum(r["action"] == "punish" for r in history)),
        "punishment_spent": sum(r["cost"] for r in history if r["action"] == "punish"),
        "refusal_rate": share(sum(r["action"] == "refuse" for r in history)),
    }
