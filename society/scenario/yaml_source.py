"""Scenario YAML with line numbers: read a file safely and bounded, record where each key
came from, and follow `extends:` chains (a child's mapping merges into its parent's key by key)."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from society.bounded_io import UnreadableFile, load_yaml_mapping
from society.scenario.origins import Origins, Path_, ScenarioError, display, dotted, where


def load_with_extends(
    source: Path, chain: tuple[tuple[Path, str], ...]
) -> tuple[dict[str, Any], Origins]:
    data, origins = read_yaml_mapping(source)
    parent = data.pop("extends", None)
    if parent is None:
        return data, origins
    here = where(*origins.get(("extends",), (display(source), 0)))
    if not isinstance(parent, str) or not parent:
        raise ScenarioError([f"{here}: extends: expected the path of one scenario file"])
    parent_path = source.parent / parent
    if not parent_path.is_file():
        raise ScenarioError(
            [
                f"{here}: extends: no such file {display(parent_path)!r} "
                "(the path is relative to the folder of the file that extends it)"
            ]
        )
    chain = (*chain, (source.resolve(), display(source)))
    if any(parent_path.resolve() == seen for seen, _ in chain):
        start = next(i for i, (seen, _) in enumerate(chain) if seen == parent_path.resolve())
        loop = " -> ".join([name for _, name in chain[start:]] + [display(parent_path)])
        raise ScenarioError([f"{here}: extends: files extend each other in a cycle: {loop}"])
    base, base_origins = load_with_extends(parent_path, chain)
    merged = deep_merge(base, data)
    # A child's key replaces the parent's whole subtree when it is not a mapping.
    kept = {p: o for p, o in base_origins.items() if still_from_base(p, data)}
    kept.update({p: o for p, o in origins.items() if p != ("extends",)})
    return merged, kept


def still_from_base(path: Path_, child: Any) -> bool:
    node = child
    for part in path:
        if not isinstance(node, dict):
            return False
        if part not in node:
            return True
        node = node[part]
    return False


def deep_merge(base: dict[str, Any], child: dict[str, Any]) -> dict[str, Any]:
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
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def read_yaml_mapping(
    source: Path, expected: str = "scenario fields (name, population, ...)"
) -> tuple[dict[str, Any], Origins]:
    label = display(source)
    try:
        data, node = load_yaml_mapping(source, expected=expected, label=label)
    except UnreadableFile as error:
        raise ScenarioError([str(error)]) from None
    origins: Origins = {}
    for path, line, duplicate in _walk(node, ()):
        if duplicate:
            raise ScenarioError([f"{label}:{line}: {dotted(path)}: key given twice"])
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
