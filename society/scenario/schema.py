"""The scenario schema's root: `Scenario` and `norm:`; each other section has its module
(commons_settings, population, models, institutions, memory_settings), re-exported here.
Every field carries its unit and default.

Tags in field descriptions: [P] from the social-learning CPR paper, [G] from GovSim,
[O] our own default where the sources give no value.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from society.scenario._base import Strict, rule_error
from society.scenario.commons_settings import (
    CollapseRule,
    Commons,
    DoublingRegrowth,
    LogisticRegrowth,
    ResourceNames,
)
from society.scenario.institutions import (
    ABLATION_SWITCHES,
    Ablation,
    Institutions,
    Interventions,
    RuleLearning,
)
from society.scenario.memory_settings import MemorySection
from society.scenario.models import LLMSettings, ModelSpec
from society.scenario.population import (
    BUILTIN_PERSONAS,
    GROUP_NAME_PATTERN,
    Group,
    Persona,
    Strategy,
)

SCHEMA_VERSION = 1

SCENARIO_NAME_PATTERN = r"^[a-z0-9][a-z0-9_.-]{0,63}$"
# What each pattern means, for error messages (the loader shows these instead of the regex).
PATTERN_RULES: dict[str, str] = {
    GROUP_NAME_PATTERN: "must start with a letter and hold only letters, digits, '_' and '-', "
    "at most 32 characters",
    SCENARIO_NAME_PATTERN: "must start with a lowercase letter or digit and hold only lowercase "
    "letters, digits, '.', '_' and '-', at most 64 characters",
}

__all__ = [
    "BUILTIN_PERSONAS",
    "GROUP_NAME_PATTERN",
    "PATTERN_RULES",
    "SCENARIO_NAME_PATTERN",
    "SCHEMA_VERSION",
    "CollapseRule",
    "Commons",
    "DoublingRegrowth",
    "Group",
    "LLMSettings",
    "LogisticRegrowth",
    "ModelSpec",
    "Norm",
    "Persona",
    "ResourceNames",
    "Scenario",
    "Strategy",
]


class Norm(Strict):
    """The group norm G(t): a per-agent harvest limit and its text."""

    limit: float = Field(
        4.5,
        ge=0.0,
        description="Per-agent harvest limit in units. Default: MSY/N for the paper's rich commons [O].",
    )
    text: str = Field(
        "Take no more than the sustainable share.",
        min_length=1,
        description="Norm text shown to agents.",
    )


class Scenario(Strict):
    """A society: its commons, population, institutions and run length."""

    schema_version: Literal[1] = Field(SCHEMA_VERSION, description="Scenario format version.")
    name: str = Field(
        pattern=SCENARIO_NAME_PATTERN, description="Short id used in run folder names."
    )
    description: str = Field("", description="Free text for humans.")
    seed: int = Field(
        0, ge=0, description="Seed of every random draw; the same seed gives the same run."
    )
    rounds: int = Field(
        50, ge=1, le=10_000, description="Round limit T. Paper 50 [P]; GovSim 12 [G]."
    )
    commons: Commons = Field(default_factory=Commons)
    model: ModelSpec = Field(
        default_factory=lambda: ModelSpec(name="rules"), description="Default model of every group."
    )
    personas: dict[str, Persona] = Field(
        default_factory=dict, description="Extra or overriding personas by key."
    )
    population: list[Group] = Field(min_length=1, description="The groups of agents.")
    norm: Norm = Field(default_factory=Norm)
    institutions: Institutions = Field(default_factory=Institutions)
    ablation: Ablation | None = Field(
        None,
        description="Shorthand for the paper's arms: 'full', 'social_learning_only', 'voting_only' "
        "or 'neither' switch institutions.social_learning and institutions.voting [P].",
    )
    interventions: Interventions = Field(default_factory=Interventions)
    learning: RuleLearning = Field(default_factory=RuleLearning)
    llm: LLMSettings = Field(default_factory=LLMSettings)
    memory: MemorySection = Field(
        default_factory=MemorySection,
        description="Agents' episodic memory: store, embedder, recall, reflection, prompt budget.",
    )

    @model_validator(mode="before")
    @classmethod
    def _apply_ablation(cls, data: Any) -> Any:
        if not isinstance(data, dict) or data.get("ablation") not in ABLATION_SWITCHES:
            return data
        learning_on, voting_on = ABLATION_SWITCHES[data["ablation"]]
        institutions = dict(data.get("institutions") or {})
        for key, wanted in (("social_learning", learning_on), ("voting", voting_on)):
            section = dict(institutions.get(key) or {})
            if "enabled" in section and section["enabled"] != wanted:
                raise rule_error(
                    f"ablation {data['ablation']!r} turns {key} {'on' if wanted else 'off'}, "
                    f"but institutions.{key}.enabled says otherwise; drop one of the two",
                    "ablation",
                )
            section["enabled"] = wanted
            institutions[key] = section
        return {**data, "institutions": institutions}

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

    @model_validator(mode="after")
    def _personas_exist(self) -> Scenario:
        known = set(BUILTIN_PERSONAS) | set(self.personas)
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

    def persona(self, key: str) -> Persona:
        return self.personas.get(key) or BUILTIN_PERSONAS[key]

    def model_for(self, group: Group) -> ModelSpec:
        return group.model or self.model

    @property
    def agent_count(self) -> int:
        return sum(group.count for group in self.population)
