"""Short texts of the public-goods game's events, shared by `society inspect` and the report."""

from __future__ import annotations

from typing import Any


def contributions_text(event: Any) -> str:
    given = ", ".join(f"{a} {c:g}" for a, c in event.contributions.items())
    failed = f"; no decision (sat out): {', '.join(event.failed)}" if event.failed else ""
    return (
        f"contributions: {given}; total {event.total:g}, pot {event.pot:.2f}, "
        f"share {event.share:.2f} each{failed}"
    )


def round_text(event: Any) -> str:
    paid = ", ".join(f"{a} {p:.2f}" for a, p in event.payoffs.items())
    return f"payoffs this round: {paid} (mean contribution {event.mean_contribution:.2f})"


def involves(event: Any, agent: str) -> bool:
    """Whether `event` concerns `agent` (for `inspect --agent`)."""
    if getattr(event, "agent", None) == agent:
        return True
    for name in ("contributions", "payoffs", "received", "spent"):
        if agent in (getattr(event, name, None) or {}):
            return True
    return any(agent in (a.by, a.target) for a in getattr(event, "assignments", ()) or ())
