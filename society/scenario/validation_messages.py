"""Pydantic's validation errors as scenario messages: one line per problem, naming the file,
line and field, with "did you mean" hints for typos and keys at the wrong level."""

from __future__ import annotations

import difflib
import functools
import types
from dataclasses import dataclass
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from society.scenario.origins import Origins, Path_, dotted, origin, where
from society.scenario.schema import PATTERN_RULES, SCHEMA_VERSION


@dataclass(frozen=True)
class _Problem:
    path: Path_  # where in the scenario data, without pydantic's union tags
    parent_types: list[Any]  # schema types of the mapping that holds path[-1]
    types: list[Any]  # schema types at pydantic's location
    item: Any  # the pydantic error


def describe(
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
        file, line = origin(problem.path, origins, label)
        field = dotted(problem.path) or "(top level)"
        message = _message(problem, root) + _merge_hint(problem, origins, file)
        located.append((file, line, f"{where(file, line)}: {field}: {message}"))
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
        f" (kept from this file: {where(*child)} sets {dotted(section)}, and 'extends' "
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
    places = field_places(root).get(name, [])
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
def field_places(root: type[BaseModel]) -> dict[str, list[tuple[str, ...]]]:
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
