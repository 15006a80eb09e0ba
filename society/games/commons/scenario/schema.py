"""The commons' scenario: `Scenario` (a `ScenarioBase` with the commons' sections) and
`norm:`; the other sections have their modules (`settings` for `commons:`, `personas`,
`institutions`), the shared ones are the core's (`society.scenario`: population, models,
memory). Every field carries its unit and default. A file without `game:` is a commons
scenario (every file written before games).

Tags in field descriptions: [P] from the social-learning CPR paper, [G] from GovSim,
[O] our own default where the sources give no value.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field, model_validator

from society.core.settings import Strict, rule_error
from society.games.commons.scenario.generations import Generations
from society.games.commons.scenario.information import Information
from society.games.commons.scenario.institutions import (
    ABLATION_SWITCHES,
    Ablation,
    Institutions,
    Interventions,
    RuleLearning,
)
from society.games.commons.scenario.personas import BUILTIN_PERSONAS, Persona, personas_listing
from society.games.commons.scenario.settings import Commons
from society.scenario.base import ScenarioBase


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


class Scenario(ScenarioBase):
    """A commons society: its commons, population, norm, institutions and run length."""

    dump_order = (
        "schema_version",
        "game",
        "name",
        "description",
        "seed",
        "rounds",
        "commons",
        "model",
        "personas",
        "population",
        "norm",
        "institutions",
        "ablation",
        "interventions",
        "information",
        "learning",
        "generations",
        "llm",
        "memory",
        "round",
        "prompts",
    )

    game: Literal["commons"] = Field(
        "commons", description="Which game the society plays; default: the commons."
    )
    rounds: int = Field(
        50, ge=1, le=10_000, description="Round limit T. Paper 50 [P]; GovSim 12 [G]."
    )
    commons: Commons = Field(default_factory=Commons)
    personas: dict[str, Persona] = Field(
        default_factory=dict,
        description="Extra or overriding personas by key. Built in (README, Personas): "
        + personas_listing()
        + ".",
    )
    norm: Norm = Field(default_factory=Norm)
    institutions: Institutions = Field(default_factory=Institutions)
    ablation: Ablation | None = Field(
        None,
        description="Shorthand for the paper's arms: 'full', 'social_learning_only', 'voting_only' "
        "or 'neither' switch institutions.social_learning and institutions.voting [P].",
    )
    interventions: Interventions = Field(default_factory=Interventions)
    information: Information = Field(
        default_factory=Information,
        description="What LLM agents are told about the rules: dynamics, payoff, goal, others' "
        "actions. Default: the paper's no explicit reward [P]; GovSim presets tell what GovSim "
        "tells [G].",
    )
    learning: RuleLearning = Field(default_factory=RuleLearning)
    # Left out of the resolved scenario while at their defaults, so a scenario that says nothing
    # about `information:` or `generations:` dumps as it did before the sections.
    omit_when_default: ClassVar[frozenset[str]] = ScenarioBase.omit_when_default | {
        "information",
        "generations",
    }
    generations: Generations | None = Field(
        None,
        description="Generational turnover: every member retires after a generation's rounds "
        "and its seat's successor inherits what `inherit` names (default: one generation) [O].",
    )

    @model_validator(mode="after")
    def _generations_fit(self) -> Scenario:
        from society.games.commons.generations import check_generations

        check_generations(self)
        return self

    @model_validator(mode="after")
    def _told_only_what_happens(self) -> Scenario:
        town_hall = self.institutions.town_hall
        if self.information.others_actions and not (town_hall.enabled and town_hall.report_catches):
            raise rule_error(
                "information.others_actions says everyone's harvest is revealed and discussed, "
                "but only the town hall reveals them (with report_catches): enable "
                "institutions.town_hall or set others_actions: false",
                "information",
                "others_actions",
            )
        return self

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

    @classmethod
    def builtin_personas(cls) -> dict[str, Persona]:
        return BUILTIN_PERSONAS
