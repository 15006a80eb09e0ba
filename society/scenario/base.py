"""What every game's scenario has: a name, a seed, a round limit, a population with models,
memory, LLM settings, and (optionally) the round's phase order. A game's scenario model
extends `ScenarioBase` with its own sections (`society.core.game.Game.scenario_type`).

Fields added after files were already written (`game`, `round`) are left out of the resolved
scenario while they hold their default, so the scenario, its digest and the run id of every
file written before them stay exactly as they were."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Literal

from pydantic import Field, field_validator, model_validator

from society.scenario._base import Stable, rule_error
from society.scenario.memory_settings import MemorySection
from society.scenario.models import LLMSettings, ModelSpec
from society.scenario.population import Group
from society.scenario.prompt_overrides import PromptOverrides

SCHEMA_VERSION = 1
SCENARIO_NAME_PATTERN = r"^[a-z0-9][a-z0-9_.-]{0,63}$"


class ScenarioBase(Stable):
    omit_when_default: ClassVar[frozenset[str]] = frozenset({"game", "round", "prompts"})
    omitted_value: ClassVar[dict[str, Any]] = {"game": "commons"}

    schema_version: Literal[1] = Field(SCHEMA_VERSION, description="Scenario format version.")
    game: str = Field(
        "commons",
        description="Which game the society plays (`society games` lists them); default: the commons.",
    )
    name: str = Field(
        pattern=SCENARIO_NAME_PATTERN, description="Short id used in run folder names."
    )
    description: str = Field("", description="Free text for humans.")
    seed: int = Field(
        0, ge=0, description="Seed of every random draw; the same seed gives the same run."
    )
    rounds: int = Field(50, ge=1, le=10_000, description="Round limit T.")
    model: ModelSpec = Field(
        default_factory=lambda: ModelSpec(name="rules"), description="Default model of every group."
    )
    population: list[Group] = Field(min_length=1, description="The groups of agents.")
    llm: LLMSettings = Field(default_factory=LLMSettings)
    memory: MemorySection = Field(
        default_factory=MemorySection,
        description="Agents' episodic memory: store, embedder, recall, reflection, prompt budget.",
    )
    round: list[str] | None = Field(
        None,
        description="The phases of one round in order (default: the game's enabled phases); "
        "`society schema` and docs/games.md list each game's phases. The last one closes the "
        "round (e.g. the commons' regrow).",
    )

    prompts: PromptOverrides | None = Field(
        None,
        description="Change what agents are told: a folder of templates and/or single template "
        "files replacing the shipped ones by name (prompt ids and partials/...), relative to "
        "this file. The resolved scenario keeps their texts.",
    )

    @field_validator("round", mode="before")
    @classmethod
    def _round_is_a_list(cls, value: Any) -> Any:
        if isinstance(value, int | float | str):
            raise ValueError(
                "'round' lists the phases of one round, e.g. [harvest, settle, regrow]; "
                "did you mean 'rounds'?"
            )
        return value

    @model_validator(mode="after")
    def _round_is_playable(self) -> ScenarioBase:
        if self.round is None:
            return self
        from society.core.game import RoundError
        from society.core.registry import game_named

        try:
            game_named(self.game).check_round(self, self.round)
        except RoundError as error:
            at = ("round",) if error.index is None else ("round", error.index)
            raise rule_error(str(error), *at) from None
        return self

    @field_validator("population")
    @classmethod
    def _group_names_are_unique(cls, groups: list[Group]) -> list[Group]:
        first: dict[str, int] = {}
        for index, group in enumerate(groups):
            if group.name in first:
                raise rule_error(
                    f"duplicate group name {group.name!r} (also population[{first[group.name]}])",
                    index,
                    "name",
                )
            first[group.name] = index
        return groups

    @classmethod
    def builtin_personas(cls) -> Mapping[str, Any]:
        """The game's built-in personas by key (a game's scenario model says which)."""
        return {}

    def persona(self, key: str) -> Any:
        """A scenario's own persona of that key, else the game's built-in one."""
        own: Mapping[str, Any] = getattr(self, "personas", None) or {}
        return own.get(key) or self.builtin_personas()[key]

    @model_validator(mode="after")
    def _personas_exist(self) -> ScenarioBase:
        known = set(self.builtin_personas()) | set(getattr(self, "personas", None) or {})
        for index, group in enumerate(self.population):
            if group.persona not in known:
                # Reached only without the loader's context (the group validator runs first).
                raise rule_error(
                    f"unknown persona {group.persona!r} (population[{index}].persona); "
                    f"known: {', '.join(sorted(known))}",
                    "population",
                    index,
                    "persona",
                )
        return self

    @model_validator(mode="after")
    def _institutions_fit_the_scenario(self) -> ScenarioBase:
        """Each enabled institution's `scenario_check` (what it needs of the rest of the
        scenario, e.g. elections' candidate groups in the population)."""
        if getattr(self, "institutions", None) is None:
            return self
        from society.core.institution import for_game

        for institution in for_game(self.game):
            if institution.scenario_check is not None and institution.enabled(self):
                institution.scenario_check(self)
        return self

    def model_for(self, group: Group) -> ModelSpec:
        return group.model or self.model

    @property
    def agent_count(self) -> int:
        return sum(group.count for group in self.population)
