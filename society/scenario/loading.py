"""Load scenario YAML files into validated `Scenario`s.

Errors name file, line and field: one line per problem, `file:line: field.path: message`.
"""

from __future__ import annotations

import copy
import difflib
import functools
import os
import types
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError

from society.bounded_io import UnreadableFile, load_yaml_mapping
from society.scenario.base import ScenarioBase
from society.scenario.schema import PATTERN_RULES, SCHEMA_VERSION

Path_ = tuple[str | int, ...]
# Where each key of the merged document came from: path -> (file, line); line 0: no line.
Origins = dict[Path_, tuple[str, int]]

COMMAND_LINE = "command line"
# Top-level keys that make a file an experiment (society/experiments/spec.py), not a scenario:
# always, and when the file has no `population:` (a scenario's required field).
EXPERIMENT_KEYS = ("grid", "scenario")
EXPERIMENT_KEYS_WITHOUT_POPULATION = ("overrides", "seeds", "anova")


class ScenarioError(Exception):
    """A scenario file is wrong. `lines` are complete, human-readable messages."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__("\n".join(lines))
        self.lines = lines


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
    data, origins = _load_with_extends(source, chain=())
    if looks_like_experiment(data):
        label = _display(source)
        keys = [k for k in data if k in (*EXPERIMENT_KEYS, *EXPERIMENT_KEYS_WITHOUT_POPULATION)]
        line = min(origins.get((key,), (label, 1))[1] for key in keys)
        raise ScenarioError(
            [
                f"{_where(label, line)}: this is an experiment file (it has "
                f"{', '.join(repr(k) for k in keys[:3])}), not a scenario; run it with "
                f"`society experiment {label}`"
            ]
        )
    data = _with_prompt_texts(data, origins, _display(source))
    for key, value in (overrides or {}).items():
        data[key] = value
        # The value no longer comes from any file: errors in it name the command line.
        origins = {p: o for p, o in origins.items() if p[0] != key}
        origins[(key,)] = (COMMAND_LINE, 0)
    return LoadedScenario(validate_scenario(data, origins, _display(source)), source, data)


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
        raise ScenarioError(_describe(error, origins, label, root)) from None


def scenario_type(data: dict[str, Any], origins: Origins, label: str) -> type[BaseModel]:
    """The scenario model of the game the file names (`game:`; none: the commons)."""
    from society.core.registry import RegistryError, game_named

    name = data.get("game")
    if name is not None and not isinstance(name, str):
        file, line = _origin(("game",), origins, label)
        raise ScenarioError([f"{_where(file, line)}: game: expected a game's name"])
    try:
        return game_named(name).scenario_type
    except RegistryError as error:
        file, line = _origin(("game",), origins, label)
        raise ScenarioError([f"{_where(file, line)}: game: {error}"]) from None


def _display(path: Path) -> str:
    """How messages name a file: as given, with `a/../` folded away."""
    return os.path.normpath(path)


def _where(file: str, line: int) -> str:
    return f"{file}:{line}" if line > 0 else file


# ---- YAML with line numbers --------------------------------------------------------------


def _load_with_extends(
    source: Path, chain: tuple[tuple[Path, str], ...]
) -> tuple[dict[str, Any], Origins]:
    data, origins = _read_yaml_mapping(source)
    parent = data.pop("extends", None)
    if parent is None:
        return data, origins
    here = _where(*origins.get(("extends",), (_display(source), 0)))
    if not isinstance(parent, str) or not parent:
        raise ScenarioError([f"{here}: extends: expected the path of one scenario file"])
    parent_path = source.parent / parent
    if not parent_path.is_file():
        raise ScenarioError(
            [
                f"{here}: extends: no such file {_display(parent_path)!r} "
                "(the path is relative to the folder of the file that extends it)"
            ]
        )
    chain = (*chain, (source.resolve(), _display(source)))
    if any(parent_path.resolve() == seen for seen, _ in chain):
        start = next(i for i, (seen, _) in enumerate(chain) if seen == parent_path.resolve())
        loop = " -> ".join([name for _, name in chain[start:]] + [_display(parent_path)])
        raise ScenarioError([f"{here}: extends: files extend each other in a cycle: {loop}"])
    base, base_origins = _load_with_extends(parent_path, chain)
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
        parent = merged.get(key)
        # A section that names another `kind` (e.g. regrowth logistic -> doubling) replaces
        # the parent's section instead of merging into it.
        switches_kind = (
            isinstance(value, dict)
            and isinstance(parent, dict)
            and "kind" in value
            and value.get("kind") != parent.get("kind")
        )
        if isinstance(value, dict) and isinstance(parent, dict) and not switches_kind:
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def _read_yaml_mapping(
    source: Path, expected: str = "scenario fields (name, population, ...)"
) -> tuple[dict[str, Any], Origins]:
    label = _display(source)
    try:
        data, node = load_yaml_mapping(source, expected=expected, label=label)
    except UnreadableFile as error:
        raise ScenarioError([str(error)]) from None
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


@dataclass(frozen=True)
class _Problem:
    path: Path_  # where in the scenario data, without pydantic's union tags
    parent_types: list[Any]  # schema types of the mapping that holds path[-1]
    types: list[Any]  # schema types at pydantic's location
    item: Any  # the pydantic error


def _describe(
    error: ValidationError, origins: Origins, label: str, root: type[BaseModel]
) -> list[str]:
    problems = []
    for item in error.errors(include_url=False):
        path, parents, found = _schema_path(item["loc"], root)
        ctx = item.get("ctx") or {}
        if item["type"] == "scenario_rule":
            path = (*path, *ctx.get("at", ()))
        elif item["type"] in {"union_tag_invalid", "union_tag_not_found"}:
            path = (*path, str(ctx.get("discriminator", "kind")).strip("'"))
        problems.append(_Problem(path, parents, found, item))
    problems = _without_missing_explained_by_typos(problems)
    located = []
    for problem in problems:
        file, line = _origin(problem.path, origins, label)
        field = _dotted(problem.path) or "(top level)"
        message = _message(problem, root) + _merge_hint(problem, origins, file)
        located.append((file, line, f"{_where(file, line)}: {field}: {message}"))
    located.sort(key=lambda entry: (entry[0] != label, entry[0], entry[1]))
    return [text for _, _, text in located]


def _merge_hint(problem: _Problem, origins: Origins, file: str) -> str:
    """Explain an unknown field that a parent file left in a mapping a child file changed."""
    if problem.item["type"] != "extra_forbidden" or len(problem.path) < 2:
        return ""
    section = problem.path[:-1]
    child = origins.get(section)
    if child is None or child[0] == file:
        return ""
    return (
        f" (kept from this file: {_where(*child)} sets {_dotted(section)}, and 'extends' "
        "merges mappings key by key)"
    )


def _without_missing_explained_by_typos(problems: list[_Problem]) -> list[_Problem]:
    """`efort: 0.9` gives 'unknown efort' and 'missing effort': report only the typo."""
    typos: dict[Path_, set[str]] = {}
    for problem in problems:
        if problem.item["type"] == "extra_forbidden" and problem.path:
            typos.setdefault(problem.path[:-1], set()).add(str(problem.path[-1]))
    kept = []
    for problem in problems:
        if problem.item["type"] == "missing" and problem.path:
            name = str(problem.path[-1])
            near = typos.get(problem.path[:-1], set())
            if difflib.get_close_matches(name, sorted(near), n=1, cutoff=0.7):
                continue
        kept.append(problem)
    return kept


def _schema_path(
    loc: tuple[Any, ...], root: type[BaseModel]
) -> tuple[Path_, list[Any], list[Any]]:
    """Follow pydantic's error location through the schema types.

    Drops the union tags pydantic adds to locations (the 'logistic' in
    commons.regrowth.logistic.rate); also returns the schema types of the last part's
    container and of the last part itself.
    """
    path: list[str | int] = []
    current: list[Any] = [root]
    parents: list[Any] = current
    for part in loc:
        members = [member for kind in current for member in _members(kind)]
        models = [m for m in members if isinstance(m, type) and issubclass(m, BaseModel)]
        if isinstance(part, str) and len(models) > 1:
            tagged = [m for m in models if part in _literal_tags(m)]
            if tagged and not any(part in m.model_fields for m in models):
                current = tagged
                continue
        if isinstance(part, str) and part.startswith("function-"):
            continue
        parents = current
        path.append(part)
        following: list[Any] = []
        for member in members:
            if member in models and part in member.model_fields:
                following.append(member.model_fields[part].annotation)
            elif get_origin(member) is list and isinstance(part, int):
                following.append(get_args(member)[0])
            elif get_origin(member) is dict and isinstance(part, str):
                following.append(get_args(member)[1])
        current = following
    return tuple(path), parents, current


def _members(annotation: Any) -> list[Any]:
    """The alternatives of a type: Annotated, unions and Optional flattened."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return _members(get_args(annotation)[0])
    if origin is Union or origin is types.UnionType:
        return [m for arg in get_args(annotation) for m in _members(arg)]
    if annotation is type(None):
        return []
    return [annotation]


def _literal_tags(model: type[BaseModel]) -> set[Any]:
    tags: set[Any] = set()
    for field in model.model_fields.values():
        if get_origin(field.annotation) is Literal and len(get_args(field.annotation)) == 1:
            tags.update(get_args(field.annotation))
    return tags


def _origin(path: Path_, origins: Origins, label: str) -> tuple[str, int]:
    for end in range(len(path), 0, -1):
        if path[:end] in origins:
            return origins[path[:end]]
    return label, 1


def _message(problem: _Problem, root: type[BaseModel]) -> str:
    item, path = problem.item, problem.path
    kind, ctx, value = item["type"], item.get("ctx") or {}, item.get("input")
    if kind == "extra_forbidden":
        name = str(path[-1]) if path else "?"
        names = _field_names(problem.parent_types) or _all_field_names(root)
        close = difflib.get_close_matches(name, sorted(names), n=1, cutoff=0.7)
        if close:
            return f"unknown field {name!r}; did you mean {close[0]!r}?"
        return f"unknown field {name!r}{_elsewhere_hint(name, path[:-1], root)}"
    if kind == "missing":
        return "required field is missing"
    if kind == "scenario_rule":
        return item["msg"]
    if kind == "union_tag_invalid":
        return f"unknown {path[-1]} {ctx.get('tag')!r}; expected one of {ctx.get('expected_tags')}"
    if kind == "union_tag_not_found":
        tags = [
            repr(tag)
            for member in (m for kind in problem.types for m in _members(kind))
            if isinstance(member, type) and issubclass(member, BaseModel)
            for tag in sorted(_literal_tags(member), key=str)
        ]
        return f"required field is missing (one of {', '.join(tags)})"
    if kind == "literal_error" and path == ("schema_version",):
        return (
            f"unsupported schema_version {value!r}; this version of society reads "
            f"schema_version {SCHEMA_VERSION}"
        )
    if kind == "string_pattern_mismatch" and ctx.get("pattern") in PATTERN_RULES:
        message = PATTERN_RULES[ctx["pattern"]]
    elif kind in {"too_short", "string_too_short"} and ctx.get("min_length") == 1:
        message = "must not be empty"
    elif kind in {"model_type", "model_attributes_type", "dict_type"}:
        message = "expected a mapping of fields"
    else:
        message = item["msg"].removeprefix("Value error, ")
    if isinstance(value, str | int | float | bool) and kind not in {"value_error", "missing"}:
        message += f" (got {value!r})"
    elif kind.endswith("_type") and isinstance(value, dict | list):
        message += f" (got a {'mapping' if isinstance(value, dict) else 'list'})"
    return message


def _elsewhere_hint(name: str, section: Path_, root: type[BaseModel]) -> str:
    """A key at the wrong level (`capacity:` at the top, `institutions.sanctions.voting`):
    the sections of the schema that have a field of that name, nearest first."""
    places = _field_places(root).get(name, [])
    if not places:
        return ""
    here = [str(part) if isinstance(part, str) else "[]" for part in section]

    def shared(place: tuple[str, ...]) -> int:
        return next(
            (i for i, (a, b) in enumerate(zip(place, here, strict=False)) if a != b),
            min(len(place), len(here)),
        )

    nearest = sorted(places, key=lambda place: (-shared(place), len(place), place))[:3]
    shown = " or ".join(_dotted_place((*place, name)) for place in nearest)
    return f" here; did you mean {shown}?"


@functools.cache
def _field_places(root: type[BaseModel]) -> dict[str, list[tuple[str, ...]]]:
    """Field name -> the sections of the game's scenario model `root` (paths from the top; `[]` a list item, `<name>` a mapping
    entry) whose model has a field of that name."""
    places: dict[str, list[tuple[str, ...]]] = {}
    pending: list[tuple[tuple[str, ...], type[BaseModel]]] = [((), root)]
    seen: set[tuple[tuple[str, ...], type[BaseModel]]] = set()
    while pending:
        place, model = pending.pop()
        if (place, model) in seen or len(place) > 8:
            continue
        seen.add((place, model))
        for field_name, field in model.model_fields.items():
            if place not in places.setdefault(field_name, []):
                places[field_name].append(place)
            for steps, inner in _models_below(field.annotation):
                pending.append(((*place, field_name, *steps), inner))
    return places


def _models_below(annotation: Any) -> list[tuple[tuple[str, ...], type[BaseModel]]]:
    """The models a field holds, with the steps to reach them (`[]`, `<name>`)."""
    found: list[tuple[tuple[str, ...], type[BaseModel]]] = []
    for member in _members(annotation):
        if isinstance(member, type) and issubclass(member, BaseModel):
            found.append(((), member))
        elif get_origin(member) is list:
            found.extend((("[]", *steps), m) for steps, m in _models_below(get_args(member)[0]))
        elif get_origin(member) is dict:
            found.extend((("<name>", *steps), m) for steps, m in _models_below(get_args(member)[1]))
    return found


def _dotted_place(place: tuple[str, ...]) -> str:
    text = ""
    for part in place:
        text += part if part == "[]" else (f".{part}" if text else part)
    return text


def _field_names(kinds: list[Any]) -> set[str]:
    names: set[str] = set()
    for kind in kinds:
        for member in _members(kind):
            if isinstance(member, type) and issubclass(member, BaseModel):
                names.update(member.model_fields)
    return names


def _all_field_names(root: type[BaseModel]) -> set[str]:
    names: set[str] = set()
    pending: list[type[BaseModel]] = [root]
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


def _with_prompt_texts(data: dict[str, Any], origins: Origins, label: str) -> dict[str, Any]:
    from society.scenario.prompt_files import PromptFileError, read_prompt_files

    try:
        return read_prompt_files(data, origins, label)
    except PromptFileError as error:
        raise ScenarioError([f"{_where(*error.where)}: {error.field}: {error}"]) from None
