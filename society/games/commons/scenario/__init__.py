"""The commons' scenario: the model (`Scenario`) and its sections, one module each."""

from society.games.commons.scenario.generations import Generations
from society.games.commons.scenario.institutions import (
    ABLATION_SWITCHES,
    Ablation,
    FixedInstitutions,
    Institutions,
    Interventions,
    RuleLearning,
)
from society.games.commons.scenario.personas import BUILTIN_PERSONAS, Persona, Strategy
from society.games.commons.scenario.schema import Norm, Scenario
from society.games.commons.scenario.settings import (
    CollapseRule,
    Commons,
    DoublingRegrowth,
    LogisticRegrowth,
    ResourceNames,
)

__all__ = [
    "ABLATION_SWITCHES",
    "BUILTIN_PERSONAS",
    "Ablation",
    "CollapseRule",
    "Commons",
    "DoublingRegrowth",
    "FixedInstitutions",
    "Generations",
    "Institutions",
    "Interventions",
    "LogisticRegrowth",
    "Norm",
    "Persona",
    "ResourceNames",
    "RuleLearning",
    "Scenario",
    "Strategy",
]
