"""Load scenario YAML files into validated `Scenario`s.

Errors name file, line and field: one line per problem, `file:line: field.path: message`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from society.scenario.base import ScenarioBase
from society.scenario.origins import Origins, ScenarioError, display, origin, where
from society.scenario.validation_messages import describe
from society.scenario.yaml_source import load_with_extends

__all__ = [
    "LoadedScenario",
    "Origins",
    "ScenarioError",
    "load_scenario",
    "load_scenario_with_data",
    "looks_like_experiment",
    "scenario_type",
    "validate_scenario",
]

COMMAND_LINE = "command line"
# Top-level keys that make a file an experiment (society/experiments/spec.py), not a scenario:
# always, and when the file has no `population:` (a scenario's required field).
EXPERIMENT_KEYS = ("grid", "scenario")
EXPERIMENT_KEYS_WITHOUT_POPULATION = ("overrides", "seeds", "anova")


@dataclass(frozen=True)
class LoadedScenario:
    scenario: ScenarioBase
    source: Path
    data: dict[str, Any]


def load_scenario(path: str | Path, overrides: Mapping[str, Any] | None = None) -> ScenarioBase:
    """Load, merge `extends:` chains, apply overrides and validate. Raises ScenarioError."""
    return load_scenario_with_data(path, overrides).scenario


def load_scenario_with_data(
    path: str | Path, overrides: Mapping[str, Any] | None = None
) -> LoadedScenario:
    source = Path(path)
    data, origins = load_with_extends(source, chain=())
    if looks_like_experiment(data):
        label = display(source)
        keys = [k for k in data if k in (*EXPERIMENT_KEYS, *EXPERIMENT_KEYS_WITHOUT_POPULATION)]
        line = min(origins.get((key,), (label, 1))[1] for key in keys)
        raise ScenarioError(
            [
                f"{where(label, line)}: this is an experiment file (it has "
                f"{', '.join(repr(k) for k in keys[:3])}), not a scenario; run it with "
                f"`society experiment {label}`"
            ]
        )
    data = _with_prompt_texts(data, origins, display(source))
    for key, value in (overrides or {}).items():
        data[key] = value
        # The value no longer comes from any file: errors in it name the command line.
        origins = {p: o for p, o in origins.items() if p[0] != key}
        origins[(key,)] = (COMMAND_LINE, 0)
    return LoadedScenario(validate_scenario(data, origins, display(source)), source, data)


def looks_like_experiment(data: Mapping[str, Any]) -> bool:
    """Whether a file's top-level mapping is an experiment rather than a scenario."""
    if any(key in data for key in EXPERIMENT_KEYS):
        return True
    return "population" not in data and any(k in data for k in EXPERIMENT_KEYS_WITHOUT_POPULATION)


def validate_scenario(data: dict[str, Any], origins: Origins, label: str) -> ScenarioBase:
    root = scenario_type(data, origins, label)
    personas = data.get("personas") if isinstance(data.get("personas"), dict) else {}
    builtin = getattr(root, "builtin_personas", lambda: {})()
    context = {"personas": list(personas), "builtin_personas": list(builtin)}
    try:
        return root.model_validate(data, context=context)  # type: ignore[return-value]
    except ValidationError as error:
        raise ScenarioError(describe(error, origins, label, root)) from None


def scenario_type(data: dict[str, Any], origins: Origins, label: str) -> type[BaseModel]:
    """The scenario model of the game the file names (`game:`; none: the commons)."""
    from society.core.registry import RegistryError, game_named

    name = data.get("game")
    if name is not None and not isinstance(name, str):
        file, line = origin(("game",), origins, label)
        raise ScenarioError([f"{where(file, line)}: game: expected a game's name"])
    try:
        return game_named(name).scenario_type
    except RegistryError as error:
        file, line = origin(("game",), origins, label)
        raise ScenarioError([f"{where(file, line)}: game: {error}"]) from None


def _with_prompt_texts(data: dict[str, Any], origins: Origins, label: str) -> dict[str, Any]:
    from society.scenario.prompt_files import PromptFileError, read_prompt_files

    try:
        return read_prompt_files(data, origins, label)
    except PromptFileError as error:
        raise ScenarioError([f"{where(*error.where)}: {error.field}: {error}"]) from None
