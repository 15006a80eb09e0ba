"""Scenarios: the schema and the YAML loader."""

from society.scenario.loading import (
    ScenarioError,
    load_scenario,
    load_scenario_with_data,
    validate_scenario,
)
from society.scenario.schema import (
    BUILTIN_PERSONAS,
    SCHEMA_VERSION,
    Commons,
    Group,
    ModelSpec,
    Persona,
    Scenario,
    Strategy,
)

__all__ = [
    "BUILTIN_PERSONAS",
    "SCHEMA_VERSION",
    "Commons",
    "Group",
    "ModelSpec",
    "Persona",
    "Scenario",
    "ScenarioError",
    "Strategy",
    "load_scenario",
    "load_scenario_with_data",
    "validate_scenario",
]
