"""Governance metrics from a transcript: cooperation, monitoring, punishment, norms, imitation.

- cooperation_rate: share of harvests at or below the norm G(t) in force that round [O].
- monitoring_rate: inspections per harvesting agent-round [O].
- punishment_rate: sanctions per detected violation (an inspection that found h > G) [O].
- norm_similarity: per round, the mean pairwise cosine similarity of the norm texts agents
  proposed (bag of words) [P metric, O formula]; its mean over rounds.
- norm_trajectory: G(t) per round.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from statistics import fmean

from pydantic import BaseModel, ConfigDict

from society.games.commons import dynamics as commons
from society.games.commons.events import (
    HarvestResolved,
    Inspection,
    RoundStarted,
    SanctionApplied,
    StrategyUpdated,
)
from society.transcript.events import Decision, Event


class GovernanceMetrics(BaseModel):
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
    limits = {e.round: e.norm_limit for e in events if isinstance(e, RoundStarted)}
    harvests = [e for e in events if isinstance(e, HarvestResolved)]
    inspections = [e for e in events if isinstance(e, Inspection)]
    sanctions = [e for e in events if isinstance(e, SanctionApplied)]
    kept, judged, harvesting = 0, 0, 0
    for harvest in harvests:
        limit = limits.get(harvest.round)
        harvesting += len(harvest.harvested)
        if limit is None:
            continue
        for amount in harvest.harvested.values():
            judged += 1
            kept += not commons.violates(amount, limit)
    detected = sum(1 for i in inspections if i.violated)
    proposals: dict[int, list[str]] = defaultdict(list)
    for event in events:
        if isinstance(event, Decision) and event.phase == "propose":
            proposals[event.round].append(str(event.decision["text"]))
    rounds = sorted(limits)
    similarity = [
        commons.mean_pairwise_similarity(proposals[r]) if r in proposals else None for r in rounds
    ]
    measured = [s for s in similarity if s is not None]
    return GovernanceMetrics(
        cooperation_rate=kept / judged if judged else None,
        monitoring_rate=len(inspections) / harvesting if harvesting else 0.0,
        detected_violations=detected,
        sanctions=len(sanctions),
        punishment_rate=len(sanctions) / detected if detected else None,
        punisher_costs=sum(s.punisher_cost for s in sanctions),
        fines=sum(s.fine for s in sanctions),
        exclusions=sum(1 for s in sanctions if s.sanction == "exclusion"),
        copies=sum(1 for e in events if isinstance(e, StrategyUpdated) and e.copied),
        norm_trajectory=[limits[r] for r in rounds],
        norm_similarity_by_round=similarity,
        norm_similarity=fmean(measured) if measured else None,
    )
