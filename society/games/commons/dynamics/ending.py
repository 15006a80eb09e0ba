"""End conditions of a run."""

from __future__ import annotations

from enum import StrEnum

from society.games.commons.dynamics.params import CommonsParams


class EndReason(StrEnum):
    COLLAPSED = "collapsed"
    AGENT_DIED = "agent_died"
    ROUND_LIMIT = "round_limit"
    EVERYONE_DEAD = "everyone_dead"
    ABORTED = "aborted"
    BUDGET_EXHAUSTED = "budget_exhausted"
    BACKEND_UNAVAILABLE = "backend_unavailable"  # a model backend stayed down past its retries


# Ends that cut a round short: its partial results are discarded (no settlement, regrowth or
# round_finished), so the last completed round is the one before.
INTERRUPTED = frozenset(
    {
        EndReason.ABORTED.value,
        EndReason.BUDGET_EXHAUSTED.value,
        EndReason.BACKEND_UNAVAILABLE.value,
    }
)


def collapsed(stock: float, commons: CommonsParams, moment: str) -> bool:
    """True when the stock, measured at `moment` ('after_harvest' or 'after_regrowth'), is below
    the scenario's collapse threshold."""
    return commons.collapse.checked == moment and stock < commons.collapse.below


def end_reason(
    *,
    round_number: int,
    round_limit: int,
    stock_collapsed: bool,
    deaths: int,
    alive: int,
    commons: CommonsParams,
) -> EndReason | None:
    """The reason the run ends after this round, or None to go on. Checked in this order."""
    if stock_collapsed:
        return EndReason.COLLAPSED
    if alive == 0:
        return EndReason.EVERYONE_DEAD
    if deaths and commons.end_on_death:
        return EndReason.AGENT_DIED
    if round_number >= round_limit:
        return EndReason.ROUND_LIMIT
    return None
