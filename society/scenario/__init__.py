"""Scenarios: what every game's scenario shares, and the YAML loader. The commons' names
(`Scenario`, `Commons`, `Persona`, `Strategy`, `BUILTIN_PERSONAS`) are offered as before,
looked up through the game registry on first use (see `society.scenario.schema`)."""

from typing import Any

from society.scenario.base import ScenarioBase
from society.scenario.loading import (
    ScenarioError,
    load_scenario,
    load_scenario_with_data,
    validate_scenario,
)
from society.scenario.models import ModelSpec
from society.scenario.population import Group
from society.scenario.schema import SCHEMA_VERSION, commons_name

_COMMONS = frozenset({"BUILTIN_PERSONAS", "Commons", "Persona", "Scenario", "Strategy"})

__all__ = [
    "BUILTIN_PERSONAS",
    "SCHEMA_VERSION",
    "Commons",
    "Group",
    "ModelSpec",
    "Persona",
    "Scenario",
    "ScenarioBase",
    "ScenarioError",
    "Strategy",
    "load_scenario",
    "load_scenario_with_data",
    "validate_scenario",
]


def __getattr__(name: str) -> Any:
    if name in _COMMONS:
        return commons_name(name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
