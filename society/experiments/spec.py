"""Experiment files: a base scenario, a grid of overrides and a number of seeds.

```yaml
schema_version: 1
name: paper-grid
scenario: ../paper/_base.yaml     # base scenario of every cell (relative to this file)
seeds: 10                         # seeds 0..9, or a list such as [3, 5, 8]
overrides: {rounds: 50}           # merged into every cell, like `extends:` merges
grid:                             # factors, in order; a cell is one level of each
  resource:
    rich: {}
    scarce: {scenario: ../paper/_scarce.yaml}   # a level may swap the base scenario
  persona:
    altruistic: {population: [{name: villagers, count: 10, persona: altruistic}]}
    selfish: {population: [{name: villagers, count: 10, persona: selfish}]}
anova: {factors: [resource, persona], responses: [survival_time]}
```

A cell's scenario is its base file (with its `extends:` chain), then `overrides`, then each
factor's level in grid order; nested mappings merge and lists and scalars replace. Every cell
is validated like a scenario file, so a wrong field is named with the file and line it came
from (the experiment file for overrides and levels).
"""

from __future__ import annotations

import difflib
import itertools
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from society.scenario.base import SCENARIO_NAME_PATTERN, ScenarioBase
from society.scenario.loading import validate_scenario
from society.scenario.origins import Origins, ScenarioError, display, dotted, where
from society.scenario.yaml_source import (
    deep_merge,
    load_with_extends,
    read_yaml_mapping,
    still_from_base,
)

EXPERIMENT_VERSION = 1
LEVEL_PATTERN = r"^[a-z0-9][a-z0-9_.-]{0,31}$"
# Per-run numbers a file may name as ANOVA responses (columns of the per-run table).
RESPONSES = (
    "survival_time",
    "survived",
    "gain_total",
    "efficiency",
    "equality",
    "over_usage",
    "cooperation_rate",
    "punishment_rate",
    "norm_similarity",
    "final_stock",
)
# Keys an experiment sets itself: the cell name and each run's seed.
RESERVED = ("name", "seed")


class Anova(BaseModel):
    model_config = ConfigDict(extra="forbid")

    factors: list[str] = Field(
        min_length=2, max_length=2, description="The two grid factors of the two-way ANOVA."
    )
    responses: list[str] | None = Field(
        None,
        min_length=1,
        description="Per-run metrics analysed; one ANOVA each, per level of the other factors "
        "(default: the game's, e.g. the commons' survival_time and gain_total). The game "
        "says which it has (the commons: RESPONSES).",
    )


class ExperimentFile(BaseModel):
    """The fields of an experiment file (unknown keys are errors)."""

    model_config = ConfigDict(extra="forbid")

    schema_version: Literal[1] = EXPERIMENT_VERSION
    name: str = Field(pattern=SCENARIO_NAME_PATTERN, description="Names the cells and folders.")
    description: str = ""
    scenario: str | None = Field(
        None, description="Base scenario of every cell, relative to this file."
    )
    seeds: int | list[int] = Field(description="How many seeds (0..n-1), or the list of seeds.")
    overrides: dict[str, Any] = Field(default_factory=dict)
    grid: dict[str, dict[str, dict[str, Any]]] = Field(default_factory=dict)
    anova: Anova | None = None

    @field_validator("seeds")
    @classmethod
    def _seeds(cls, seeds: int | list[int]) -> int | list[int]:
        if isinstance(seeds, int):
            if seeds < 1:
                raise ValueError("give at least one seed")
            return seeds
        if not seeds:
            raise ValueError("give at least one seed")
        if any(s < 0 for s in seeds):
            raise ValueError("seeds are integers ≥ 0")
        if len(set(seeds)) != len(seeds):
            raise ValueError("a seed is listed twice")
        return seeds

    @field_validator("grid")
    @classmethod
    def _levels(
        cls, grid: dict[str, dict[str, dict[str, Any]]]
    ) -> dict[str, dict[str, dict[str, Any]]]:
        import re

        for factor, levels in grid.items():
            if not re.match(LEVEL_PATTERN, factor):
                raise ValueError(f"factor name {factor!r} must match {LEVEL_PATTERN}")
            if not levels:
                raise ValueError(f"factor {factor!r} has no levels")
            for level in levels:
                if not re.match(LEVEL_PATTERN, level):
                    raise ValueError(
                        f"level name {level!r} of {factor!r}: lowercase letters, digits, "
                        "'_', '.' and '-', at most 32 characters"
                    )
        return grid


@dataclass(frozen=True)
class Cell:
    name: str  # the scenario name of its runs: <experiment>-<level>-<level>...
    levels: dict[str, str]  # factor -> level
    scenario: ScenarioBase  # seed 0; each run sets its own


@dataclass(frozen=True)
class Experiment:
    source: Path
    spec: ExperimentFile
    cells: list[Cell]
    seeds: list[int]

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def factors(self) -> list[str]:
        return list(self.spec.grid)

    @property
    def game(self) -> Any:
        """The game its cells play (a level may swap the base scenario, not the game)."""
        from society.core.registry import game_of

        games = {getattr(cell.scenario, "game", "commons") for cell in self.cells}
        if len(games) > 1:
            raise ValueError(f"an experiment's cells play one game; these play {sorted(games)}")
        return game_of(self.cells[0].scenario)

    def anova(self) -> Anova | None:
        """The file's ANOVA, or by default one over the first two factors; responses default
        to the game's (`Game.experiment_responses`)."""
        spec = self.spec.anova
        if spec is None and len(self.factors) >= 2:
            spec = Anova(factors=self.factors[:2])
        if spec is not None and spec.responses is None:
            spec = spec.model_copy(update={"responses": list(self.game.experiment_responses())})
        return spec

    def runs(self) -> list[tuple[Cell, ScenarioBase]]:
        """Every cell × seed, cells in grid order, then seeds."""
        return [
            (cell, cell.scenario.model_copy(update={"seed": seed}))
            for cell in self.cells
            for seed in self.seeds
        ]


def load_experiment(path: str | Path) -> Experiment:
    """Read and validate an experiment file and every cell's scenario. Raises ScenarioError
    with one `file:line: field: message` line per problem."""
    source = Path(path)
    label = display(source)
    data, origins = read_yaml_mapping(source, "experiment fields (name, scenario, seeds, grid)")
    try:
        spec = ExperimentFile.model_validate(data)
    except ValidationError as error:
        raise ScenarioError(_describe(error, origins, label)) from None
    _check_references(spec, origins, label)
    seeds = list(range(spec.seeds)) if isinstance(spec.seeds, int) else list(spec.seeds)

    problems: list[str] = []
    cells = []
    for combination in itertools.product(*(spec.grid[f].items() for f in spec.grid)):
        levels = {f: level for f, (level, _) in zip(spec.grid, combination, strict=True)}
        name = "-".join([spec.name, *levels.values()])
        try:
            scenario = _cell_scenario(source, spec, origins, levels, name)
        except ScenarioError as error:
            problems.extend(line for line in error.lines if line not in problems)
            continue
        cells.append(Cell(name, levels, scenario))
    if problems:
        raise ScenarioError(problems)
    experiment = Experiment(source, spec, cells, seeds)
    _check_responses(experiment, origins, label)
    return experiment


def _check_responses(experiment: Experiment, origins: Origins, label: str) -> None:
    """ANOVA responses must be per-run numbers of the experiment's game."""
    anova = experiment.spec.anova
    if anova is None or anova.responses is None:
        return
    known = experiment.game.experiment_anova_responses()
    for index, response in enumerate(anova.responses):
        if response not in known:
            here = where(*origins.get(("anova", "responses", index), (label, 0)))
            close = difflib.get_close_matches(response, known, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ScenarioError(
                [f"{here}: anova.responses: {response!r} is not a per-run number of game "
                 f"{experiment.game.name!r}{hint}; one of: {', '.join(known)}"]
            )  # fmt: skip


def _cell_scenario(
    source: Path, spec: ExperimentFile, origins: Origins, levels: dict[str, str], name: str
) -> ScenarioBase:
    label = display(source)
    base_key: tuple[str | int, ...] = ("scenario",)
    base = spec.scenario
    for factor, level in levels.items():
        chosen = spec.grid[factor][level].get("scenario")
        if chosen is not None:
            if base is not None and base_key != ("scenario",):
                here = where(*origins.get(("grid", factor, level, "scenario"), (label, 0)))
                raise ScenarioError(
                    [f"{here}: grid.{factor}.{level}.scenario: a cell has one base scenario, "
                     f"and grid.{base_key[1]}.{base_key[2]} sets it too"]
                )  # fmt: skip
            base, base_key = chosen, ("grid", factor, level, "scenario")
    if base is None:
        raise ScenarioError(
            [f"{label}:1: scenario: cell {name!r} has no base scenario; set `scenario:` "
             "at the top level or in one level of each cell"]
        )  # fmt: skip
    base_path = source.parent / base
    here = where(*origins.get(base_key, (label, 0)))
    if not isinstance(base, str) or not base_path.is_file():
        raise ScenarioError(
            [f"{here}: {dotted(base_key)}: no such file {display(base_path)!r} "
             "(the path is relative to the experiment file)"]
        )  # fmt: skip
    data, scenario_origins = load_with_extends(base_path, chain=())
    layers = [(spec.overrides, ("overrides",))] + [
        ({k: v for k, v in spec.grid[f][lv].items() if k != "scenario"}, ("grid", f, lv))
        for f, lv in levels.items()
    ]
    for layer, prefix in layers:
        data, scenario_origins = _merge_layer(data, scenario_origins, layer, origins, prefix)
    data["name"] = name
    scenario_origins[("name",)] = origins.get(("name",), (label, 0))
    data.pop("seed", None)
    try:
        return validate_scenario(data, scenario_origins, label)
    except ScenarioError as error:
        raise ScenarioError([f"{line} (cell {name})" for line in error.lines]) from None


def _merge_layer(
    data: dict[str, Any],
    data_origins: Origins,
    layer: dict[str, Any],
    file_origins: Origins,
    prefix: tuple[str | int, ...],
) -> tuple[dict[str, Any], Origins]:
    """Merge one override mapping as `extends:` merges a child file; its keys' lines are the
    experiment file's lines under `prefix`."""
    merged = deep_merge(data, layer)
    kept = {p: o for p, o in data_origins.items() if still_from_base(p, layer)}
    n = len(prefix)
    kept.update({p[n:]: o for p, o in file_origins.items() if p[:n] == prefix and len(p) > n})
    return merged, kept


def _check_references(spec: ExperimentFile, origins: Origins, label: str) -> None:
    problems = []
    for prefix, layer in [(("overrides",), spec.overrides)] + [
        (("grid", f, lv), values)
        for f, levels in spec.grid.items()
        for lv, values in levels.items()
    ]:
        for key in RESERVED:
            if key in layer:
                here = where(*origins.get((*prefix, key), (label, 0)))
                problems.append(
                    f"{here}: {dotted((*prefix, key))}: set by the experiment "
                    f"({'the cell name' if key == 'name' else 'from `seeds:`'}); remove it"
                )
    if spec.anova is not None:
        for index, factor in enumerate(spec.anova.factors):
            if factor not in spec.grid:
                here = where(*origins.get(("anova", "factors", index), (label, 0)))
                close = difflib.get_close_matches(factor, list(spec.grid), n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                problems.append(
                    f"{here}: anova.factors[{index}]: {factor!r} is not a grid factor "
                    f"(factors: {', '.join(spec.grid) or 'none'}){hint}"
                )
        if len(set(spec.anova.factors)) != len(spec.anova.factors):
            here = where(*origins.get(("anova", "factors"), (label, 0)))
            problems.append(f"{here}: anova.factors: name two different factors")
    if problems:
        raise ScenarioError(problems)


def _describe(error: ValidationError, origins: Origins, label: str) -> list[str]:
    lines = []
    for item in error.errors(include_url=False):
        # Drop pydantic's union member names (int, list[int]) from the location.
        path = tuple(p for p in item["loc"] if not (isinstance(p, str) and "[" in p))
        path = tuple(p for p in path if p not in {"int", "list"})
        file, line = label, 1
        for end in range(len(path), 0, -1):
            if path[:end] in origins:
                file, line = origins[path[:end]]
                break
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] == "extra_forbidden":
            name = str(path[-1])
            known = list(ExperimentFile.model_fields) if len(path) == 1 else []
            if len(path) == 2 and path[0] == "anova":
                known = list(Anova.model_fields)
            close = difflib.get_close_matches(name, known, n=1, cutoff=0.7)
            message = f"unknown field {name!r}" + (f"; did you mean {close[0]!r}?" if close else "")
        elif item["type"] == "missing":
            message = "required field is missing"
        elif item["type"] == "string_pattern_mismatch":
            message = "must start with a lowercase letter or digit and hold only lowercase letters, digits, '_', '.' and '-'"
        value = item.get("input")
        if isinstance(value, str | int | float) and item["type"] not in {"missing", "value_error"}:
            message += f" (got {value!r})"
        text = f"{where(file, line)}: {dotted(path) or '(top level)'}: {message}"
        if text not in lines:
            lines.append(text)
    return lines



def scenario_notes(experiment: Experiment) -> list[str]:
    """Each cell's notes from its game (`Game.scenario_notes`), once each, naming the cells."""
    from society.core.registry import game_of

    cells: dict[str, list[str]] = {}
    for cell in experiment.cells:
        for note in game_of(cell.scenario).scenario_notes(cell.scenario):
            cells.setdefault(note, []).append(cell.name)
    return [f"{note} (cells: {', '.join(names)})" for note, names in cells.items()]
