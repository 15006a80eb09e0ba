"""Governance metrics from a transcript: cooperation, monitoring, punishment, norms, imitation.
The commons computes cooperation and the norm's trajectory; monitoring, sanctions, voting and
learning compute theirs in their modules (`society.institutions.*`).

- cooperation_rate: share of harvests at or below the norm G(t) in force that round [O].
- monitoring_rate: inspections per harvesting agent-round [O].
- punishment_rate: sanctions per detected violation (an inspection that found h > G) [O].
- norm_similarity: per round, the mean pairwise cosine similarity of the norm texts agents
  proposed (bag of words) [P metric, O formula]; its mean over rounds.
- norm_trajectory: G(t) per round.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict

from society.core.institution import for_game
from society.games.commons import dynamics as commons
from society.games.commons.events import HarvestResolved, RoundStarted
from society.transcript.events import Event


class GovernanceMetrics(BaseModel):
    """The `governance` block of a commons run's metrics.json, as it has always been laid out;
    each field is computed by the module that owns it. A new institution's metrics go under
    `institutions.<name>` instead (`Institution.metrics`)."""

    model_config = ConfigDict(extra="forbid")

    cooperation_rate: float | None
    monitoring_rate: float
    detected_violations: int
    sanctions: int
    punishment_rate: float | None
    punisher_costs: float
    fines: float
    exclusions: int
    copies: int
    norm_trajectory: list[float | None]
    norm_similarity_by_round: list[float | None]
    norm_similarity: float | None


def governance_metrics(events: Sequence[Event]) -> GovernanceMetrics:
    """The commons' own parts (cooperation, the norm's trajectory) and each institution's
    (`Institution.game_metrics`: monitoring, sanctions, learning, voting)."""
    limits = {e.round: e.norm_limit for e in events if isinstance(e, RoundStarted)}
    kept, judged = 0, 0
    for harvest in (e for e in events if isinstance(e, HarvestResolved)):
        limit = limits.get(harvest.round)
        if limit is None:
            continue
        for amount in harvest.harvested.values():
            judged += 1
            kept += not commons.violates(amount, limit)
    fields: dict[str, Any] = {
        "cooperation_rate": kept / judged if judged else None,
        "norm_trajectory": [limits[r] for r in sorted(limits)],
    }
    for institution in for_game("commons"):
        if institution.game_metrics is not None:
            fields.update(institution.game_metrics(events))
    return GovernanceMetrics(**fields)
