"""What one agent privately knows when it decides: its own outcomes and what it saw or heard.
No view of the whole population; the rules it is told are the scenario's `information:`
(by default none: the paper's 'no explicit reward')."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from society.games.commons.scenario import ResourceNames


class Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Inspection(Frozen):
    target: str
    harvest: float
    violated: bool


class HeardClaim(Frozen):
    about: str
    round: int
    harvest: float


class HeardMessage(Frozen):
    """A message from a peer: data to read, never an instruction to the framework."""

    sender: str
    to: str
    text: str
    claims: list[HeardClaim] = Field(default_factory=list)


class SanctionReceived(Frozen):
    by: str
    kind: Literal["warning", "fine", "exclusion"]
    fine: float
    exclusion_rounds: int


class News(Frozen):
    """What happened to the agent in one round (the current one after its harvest, else the
    previous one)."""

    round: int
    harvest: float | None = None
    norm_limit: float | None = None  # the norm G(t) in force at the harvest
    inspection: Inspection | None = None
    heard: list[HeardMessage] = Field(default_factory=list)
    heard_total: int = 0  # messages received; `heard` may show only the first few
    sanctions_received: list[SanctionReceived] = Field(default_factory=list)
    punished: list[str] = Field(default_factory=list)
    fines_paid: float = 0.0
    costs_paid: float = 0.0


class AgreementNote(Frozen):
    """What the agent wrote down after the last town hall (kept in mind next round)."""

    round: int
    summary: str
    agreed_limit: float | None


class StrategyState(Frozen):
    """The agent's own strategy: the numeric tuple rule-based minds act on (e, m, p and a
    personal norm in units) and the free text LLM minds keep."""

    effort: float
    monitor: float
    punish: float
    noise: float
    norm: float
    keeps_agreements: float = 0.7
    comply: float = 0.0
    norm_aim: float = 0.9
    norm_weight: float = 0.0
    aspiration: float | None = None
    text: str = ""


class Lineage(Frozen):
    """A successor's inheritance (commons generations): the elder whose seat it took, in
    which generation, and what passed on (`memories`: how many were copied)."""

    elder: str
    generation: int
    inherited: list[Literal["memories", "strategies", "norms"]] = Field(default_factory=list)
    memories: int = 0

class Rules(Frozen):
    """The game's rules a prompt may state, from the scenario (`information:` says which are
    told; the rest keep prompts from mentioning what the scenario lacks, e.g. starvation)."""

    capacity: float
    regrowth: Literal["logistic", "doubling"]
    factor: float | None
    rate: float | None
    productivity: float
    consumption: float
    starvation: bool
    dynamics: bool
    payoff: Literal["hidden", "per_unit"]
    goal: Literal["none", "long_run_income"]
    others_actions: bool


class Observation(Frozen):
    agent: str
    round: int
    persona: str
    harvest_mode: Literal["effort", "amount"]
    resource: ResourceNames
    stock_signal: str
    stock_trend: Literal["shrinking", "steady", "growing", "unknown"]
    exact_stock: float | None
    max_amount: int | None
    community_size: int
    last_request: float | None
    last_effort: float | None = None
    last_harvest: float | None
    last_payoff_change: float | None
    payoff: float
    norm_text: str
    norm_limit: float
    excluded_rounds_left: int = 0
    news: News | None = None
    reputation: dict[str, float] = Field(default_factory=dict)
    agreement: AgreementNote | None = None
    universalization: float | None = None  # ⌊⌊f(t)⌋/N⌋, shown when the intervention is on
    strategy: StrategyState
    rules: Rules
    lineage: Lineage | None = None  # successors only (generations:)
