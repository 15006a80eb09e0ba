"""The donor game's scenario file: the core fields, a `donor:` section and donor personas.

`rounds` follows from the donor section (generations × games × rounds per game): leave it
out and it is derived. A smaller number stops the run early (a try-out: `--rounds 3`; only
completed generations count in the metrics); a larger one is an error (there is nothing to
play after the last generation)."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field, ValidationError, model_validator

from society.games.donor.settings import DonorSettings
from society.scenario._base import Strict, rule_error
from society.scenario.base import ScenarioBase
from society.scenario.memory_settings import MemorySection


class DonorRule(Strict):
    """A rule agent's starting numbers (read by society.games.donor.rules)."""

    kind: Literal["fixed", "reciprocator"] = Field(
        description="fixed: gives the same share to everyone; reciprocator: reads the recipient's trace."
    )
    fraction: float = Field(ge=0.0, le=1.0, description="Share given to a stranger or cooperator at gain 2.")
    threshold: float = Field(
        0.3, ge=0.0, le=1.0, description="A recipient who last gave less than this is a defector [O]."
    )
    punish_probability: float = Field(
        0.0, ge=0.0, le=1.0, description="Chance of punishing a defector at punishment loss 2 [O]."
    )
    punish_fraction: float = Field(
        0.1, ge=0.0, le=1.0, description="Share of own resources spent on one punishment [O]."
    )


class DonorPersona(Strict):
    """Who an agent is: text shown to LLM agents (empty: none, as in V&H) and the numbers a
    rule agent starts with (newcomers inherit survivors' numbers instead)."""

    description: str = Field("", description="Shown to LLM agents; empty shows nothing [V&H].")
    strategy: DonorRule


# Rule personas [O]: fixed-share donors and a reciprocator. V&H's agents are all one LLM with
# no persona; `player` is that (its numbers are only used if a rule mind plays it).
BUILTIN_PERSONAS: dict[str, DonorPersona] = {
    "player": DonorPersona(
        description="", strategy=DonorRule(kind="reciprocator", fraction=0.5)
    ),
    "fixed_0": DonorPersona(
        description="You never give anything away.",
        strategy=DonorRule(kind="fixed", fraction=0.0),
    ),
    "fixed_25": DonorPersona(
        description="You give a quarter of what you hold, to anyone.",
        strategy=DonorRule(kind="fixed", fraction=0.25),
    ),
    "fixed_50": DonorPersona(
        description="You give half of what you hold, to anyone.",
        strategy=DonorRule(kind="fixed", fraction=0.5),
    ),
    "fixed_75": DonorPersona(
        description="You give three quarters of what you hold, to anyone.",
        strategy=DonorRule(kind="fixed", fraction=0.75),
    ),
    "reciprocator": DonorPersona(
        description="You give to those who give and withhold from those who do not.",
        strategy=DonorRule(
            kind="reciprocator",
            fraction=0.5,
            threshold=0.3,
            punish_probability=0.5,
            punish_fraction=0.1,
        ),
    ),
}


class DonorScenario(ScenarioBase):
    """A donor-game society (society/games/donor/README.md)."""

    dump_order = (
        "schema_version",
        "game",
        "name",
        "description",
        "seed",
        "rounds",
        "donor",
        "model",
        "personas",
        "population",
        "llm",
        "memory",
        "round",
    )
    # `game` is always written: the reader finds a run's game (and event kinds) by it.
    omit_when_default: ClassVar[frozenset[str]] = frozenset({"round"})

    game: Literal["donor"] = Field("donor", description="The donor game.")
    rounds: int = Field(
        240,
        ge=1,
        le=10_000,
        description="generations × games_per_generation × rounds_per_game, derived when left out; fewer stops the run early.",
    )
    donor: DonorSettings = Field(default_factory=DonorSettings)
    personas: dict[str, DonorPersona] = Field(
        default_factory=dict, description="Extra or overriding personas by key."
    )
    memory: MemorySection = Field(
        default_factory=lambda: MemorySection(enabled=False),
        description="Off: donors see only the recipient's trace [V&H].",
    )

    @model_validator(mode="before")
    @classmethod
    def _derive_rounds(cls, data: Any) -> Any:
        if not isinstance(data, dict) or "rounds" in data:
            return data
        try:
            settings = DonorSettings.model_validate(data.get("donor") or {})
        except ValidationError:
            return data  # the donor section's own errors are reported
        return {**data, "rounds": settings.total_rounds}

    @model_validator(mode="after")
    def _fits_the_game(self) -> DonorScenario:
        settings = self.donor
        if self.rounds > settings.total_rounds:
            raise rule_error(
                f"rounds can be at most generations × games_per_generation × rounds_per_game = "
                f"{settings.generations} × {settings.games_per_generation} × "
                f"{settings.rounds_per_game} = {settings.total_rounds} (got {self.rounds}); "
                "leave 'rounds' out to derive it",
                "rounds",
            )
        try:
            settings.schedule_repeats(self.agent_count)
        except ValueError as error:
            raise rule_error(str(error), "donor", "rounds_per_game") from None
        known = set(BUILTIN_PERSONAS) | set(self.personas)
        for index, group in enumerate(self.population):
            if group.persona not in known:
                raise rule_error(
                    f"unknown persona {group.persona!r}; known: {', '.join(sorted(known))}",
                    "population",
                    index,
                    "persona",
                )
            if group.joins_at != 1:
                raise rule_error(
                    "in the donor game newcomers come from selection between generations; "
                    "every group starts in round 1",
                    "population",
                    index,
                    "joins_at",
                )
        if self.memory.enabled:
            raise rule_error(
                "the donor game keeps no episodic memory: a donor sees only the recipient's "
                "trace [V&H]; set memory.enabled: false",
                "memory",
                "enabled",
            )
        return self

    @classmethod
    def builtin_personas(cls) -> dict[str, DonorPersona]:
        return BUILTIN_PERSONAS
