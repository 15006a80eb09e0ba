"""End reasons every game shares: the run was stopped from outside the game's rules."""

from __future__ import annotations

ABORTED = "aborted"  # an agent's failure policy said so
BUDGET_EXHAUSTED = "budget_exhausted"
BACKEND_UNAVAILABLE = "backend_unavailable"  # a model backend stayed down past its retries

# Ends that cut a round short: its partial results are discarded (no settlement, regrowth or
# round_finished), so the last completed round is the one before.
INTERRUPTED = frozenset({ABORTED, BUDGET_EXHAUSTED, BACKEND_UNAVAILABLE})

# A failed decision with one of these reasons ends the run whatever the scenario's on_failure.
STOPS = {BUDGET_EXHAUSTED: BUDGET_EXHAUSTED, BACKEND_UNAVAILABLE: BACKEND_UNAVAILABLE}
