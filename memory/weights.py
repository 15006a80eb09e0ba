"""`RetrievalWeights`: the terms of the retrieval score (docs/mechanics.md §5), as validated
data with no numerical dependency (a scenario's memory section holds one)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class RetrievalWeights(BaseModel):
    """Weights of the three score terms and the per-round recency decay."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    recency: float = Field(default=0.5, ge=0.0, allow_inf_nan=False)
    importance: float = Field(default=3.0, ge=0.0, allow_inf_nan=False)
    relevance: float = Field(default=2.0, ge=0.0, allow_inf_nan=False)
    decay: float = Field(default=0.99, gt=0.0, le=1.0, description="recency factor per round")
