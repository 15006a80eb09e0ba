"""What one agent privately knows when it decides: no payoff formula, no view of everyone."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from society.scenario.schema import ResourceNames, Strategy


class Observation(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    agent: str
    round: int
    persona: str
    harvest_mode: Literal["effort", "amount"]
    resource: ResourceNames
    stock_signal: str
    exact_stock: float | None
    max_amount: int | None
    community_size: int
    last_request: float | None
    last_harvest: float | None
    last_payoff_change: float | None
    payoff: float
    norm_text: str
    norm_limit: float
    strategy: Strategy
