"""Load scenario YAML files into validated `Scenario`s, with errors that name file, line and field."""

from __future__ import annotations

import copy
import difflib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from society.scenario.schema import Scenario

Path_ = tuple[str | int, ...]
# Where each key of the merged document came from: path -> (file, line).
Origins = dict[Path_, tuple[str, int]]


class ScenarioError(Exception):
    """A scenario file is wrong. `lines` are complete, human-readable messages."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__("\n".join(lines))
        self.lines = lines


@dataclass(frozen=True)
class LoadedScenario:
    scenario: Scenario
    source: Path
    data: dict[str, Any]


def load_scenario(path: str | Path, overrides: Mapping[str, Any] | None = None) -> Scenario:
    """Load, merge `extends:` chains, apply overrides and validate. Raises ScenarioError."""
    return load_scenario_with_data(path, overrides).scenario


def load_scenario_with_data(path: str | Path, overrides: Mapping[str, Any] | None = None) -> LoadedScenario:
    source = Path(path)
    data, origins = _load_with_extends(source, chain=())
    for key, value in (overrides or {}).items():
        data[key] = value
        origins.setdefault((key,), ("command line", 0))
    return LoadedScenario(validate_scenario(data, origins, str(source)), source, data)


def validate_scenario(data: dict[str, Any], origins: Origins, label: str) -> Scenario:
    personas = data.get("personas") if isinstance(data.get("personas"), dict) else {}
    try:
        return Scenario.model_validate(data, context={"personas": list(personas)})
    except ValidationError as error:
        raise ScenarioError(_describe(error, data, origins, label)) from None


# ---- YAML with line numbers --------------------------------------------------------------


def _load_with_extends(source: Path, chain: tuple[Path, ...]) -> tuple[dict[str, Any], Origins]:
    resolved = source.resolve()
    if resolved in chain:
        cycle = " -> ".join(str(p) for p in (*chain, resolved))
        raise ScenarioError([f"{source}: 'extends' forms a cycle: {cycle}"])
    data, origins = _read_yaml_mapping(source)
    parent = data.pop("extends", None)
    if parent is None:
        return data, origins
    where = origins.get(("extends",), (str(source), 0))
    if not isinstance(parent, str) or not parent:
        raise ScenarioError([f"{where[0]}:{where[1]}: extends: expected a path to another scenario file"])
    parent_path = source.parent / parent
    if not parent_path.is_file():
        raise ScenarioError([f"{where[0]}:{where[1]}: extends: no such file {str(parent_path)!r}"])
    base, base_origins = _load_with_extends(parent_path, (*chain, resolved))
    merged = _deep_merge(base, data)
    # A child's key replaces the parent's whole subtree when it is not a mapping.
    kept = {p: o for p, o in base_origins.items() if _still_from_base(p, data)}
    kept.update({p: o for p, o in origins.items() if p != ("extends",)})
    return merged, kept


def _still_from_base(path: Path_, child: Any) -> bool:
    node = child
    for part in path:
        if not isinstance(node, dict):
            return False
        if part not in node:
            return True
        node = node[part]
    return False


def _deep_merge(base: dict[str, Any], child: dict[str, Any]) -> dict[str, Any]:
    merged = copy.deepcopy(base)
    for key, value in child.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def _read_yaml_mapping(source: Path) -> tuple[dict[str, Any], Origins]:
    label = str(source)
    try:
        text = source.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError([f"{label}: no such file"]) from None
    except (OSError, UnicodeDecodeError) as error:
        raise ScenarioError([f"{label}: cannot read: {error}"]) from None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.load(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else 0
        problem = error.problem or error.context or "invalid YAML"
        raise ScenarioError([f"{label}:{line}: YAML syntax error: {problem}"]) from None
    except yaml.YAMLError as error:
        raise ScenarioError([f"{label}: YAML error: {error}"]) from None
    if not isinstance(data, dict) or node is None:
        kind = "empty" if data is None else type(data).__name__
        raise ScenarioError([f"{label}:1: expected a mapping of scenario fields at the top level, got {kind}"])
    origins: Origins = {}
    for path, line, duplicate in _walk(node, ()):
        if duplicate:
            raise ScenarioError([f"{label}:{line}: {_dotted(path)}: key given twice"])
        origins.setdefault(path, (label, line))
    return data, origins


def _walk(node: yaml.Node, path: Path_) -> Iterator[tuple[Path_, int, bool]]:
    if isinstance(node, yaml.MappingNode):
        seen: set[Any] = set()
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = key_node.value
            yield (*path, key), key_node.start_mark.line + 1, key in seen
            seen.add(key)
            yield from _walk(value_node, (*path, key))
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            yield (*path, index), item.start_mark.line + 1, False
            yield from _walk(item, (*path, index))


# ---- Error messages ----------------------------------------------------------------------


def _describe(error: ValidationError, data: dict[str, Any], origins: Origins, label: str) -> list[str]:
    lines = []
    for item in error.errors(include_url=False):
        path = _data_path(item["loc"], data)
        file, line = _origin(path, origins, label)
        message = _message(item, path)
        lines.append(f"{file}:{line}: {_dotted(path) or '(top level)'}: {message}")
    return lines


def _data_path(loc: tuple[Any, ...], data: Any) -> Path_:
    """Drop the union tags pydantic adds to locations (e.g. 'logistic') by walking the data."""
    path: list[str | int] = []
    node = data
    for part in loc:
        if (isinstance(node, dict) and part in node) or (isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)):
            node = node[part]
        elif isinstance(node, dict) and isinstance(part, str) and _is_union_tag(part):
            continue
        else:
            path.append(part)
            node = None
            continue
        path.append(part)
    return tuple(path)


def _is_union_tag(part: str) -> bool:
    return part in {"logistic", "doubling"} or part.startswith("function-")


def _origin(path: Path_, origins: Origins, label: str) -> tuple[str, int]:
    for end in range(len(path), 0, -1):
        if path[:end] in origins:
            return origins[path[:end]]
    return label, 1


def _message(item: Any, path: Path_) -> str:
    kind = item["type"]
    if kind == "extra_forbidden":
        name = str(path[-1]) if path else "?"
        close = difflib.get_close_matches(name, sorted(_all_field_names()), n=1, cutoff=0.7)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        return f"unknown field {name!r}{hint}"
    if kind == "missing":
        return "required field is missing"
    message = item["msg"].removeprefix("Value error, ")
    value = item.get("input")
    if isinstance(value, str | int | float | bool) and kind not in {"value_error", "assertion_error"}:
        message += f" (got {value!r})"
    return message


def _all_field_names() -> set[str]:
    names: set[str] = set()
    pending: list[type[BaseModel]] = [Scenario]
    seen: set[type[BaseModel]] = set()
    while pending:
        model = pending.pop()
        if model in seen:
            continue
        seen.add(model)
        for name, field in model.model_fields.items():
            names.add(name)
            pending.extend(_models_in(field.annotation))
    return names


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    found: list[type[BaseModel]] = []
    for arg in getattr(annotation, "__args__", ()) or ():
        found.extend(_models_in(arg))
    return found


def _dotted(path: Path_) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text
