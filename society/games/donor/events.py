"""The donor game's event kinds (listed in `EVENTS` for `Game.event_types`)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from society.transcript.events import Event


class GenerationStarted(Event):
    """A generation's members in seat order (the pairing's order), who carried over and who
    is new; everyone holds the endowment."""

    kind: Literal["generation_started"] = "generation_started"
    generation: int
    members: list[str]
    survivors: list[str]
    newcomers: list[str]
    endowment: float


class StrategyAdopted(Event):
    """The strategy an agent plays a generation with: text (LLM) or numbers (rules), from its
    persona (founders with rule minds) or written after reading the survivors' strategies."""

    kind: Literal["strategy"] = "strategy"
    agent: str
    generation: int
    origin: Literal["persona", "written"]
    text: str | None = None
    rule: dict[str, Any] | None = None
    copied_from: str | None = None
    rationale: str = ""


class DonorRoundStarted(Event):
    """A round's pairs, donor first, and everyone's resources before it."""

    kind: Literal["donor_round_started"] = "donor_round_started"
    generation: int
    game: int
    game_round: int
    pairs: list[tuple[str, str]]
    resources: dict[str, float]


class TraceLink(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    round: int
    donor: str
    recipient: str
    action: str
    fraction: float
    given: float
    punished: float
    cost: float


class DonationMade(Event):
    """One interaction: what the donor saw (the recipient's trace), chose and caused."""

    kind: Literal["donation"] = "donation"
    generation: int
    game: int
    game_round: int
    donor: str
    recipient: str
    action: Literal["donate", "punish", "refuse"]
    fraction: float
    donor_resources: float  # before the interaction
    recipient_resources: float
    given: float
    received: float
    punished: float
    cost: float
    trace: list[TraceLink] = Field(default_factory=list)


class DonorRoundFinished(Event):
    kind: Literal["donor_round_finished"] = "donor_round_finished"
    generation: int
    game: int
    game_round: int
    resources: dict[str, float]
    failed: list[str] = Field(default_factory=list)  # donors with no usable decision
    end_reason: str | None = None


class GameEnded(Event):
    kind: Literal["donor_game_ended"] = "donor_game_ended"
    generation: int
    game: int
    final_resources: dict[str, float]
    mean_final_resources: float


class GenerationEnded(Event):
    """Scores (final resources of the last game, which rank the agents [V&H]), the headline
    (mean over games of the mean final resources [V&H]), the survivors best first (none after
    the last generation) and every member's strategy."""

    kind: Literal["generation_ended"] = "generation_ended"
    generation: int
    scores: dict[str, float]
    mean_final_resources: float
    game_means: list[float]
    survivors: list[str]
    strategies: dict[str, Any]


EVENTS: tuple[type[Event], ...] = (
    GenerationStarted,
    StrategyAdopted,
    DonorRoundStarted,
    DonationMade,
    DonorRoundFinished,
    GameEnded,
    GenerationEnded,
)
