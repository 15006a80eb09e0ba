"""Factors that cannot matter to rule-based minds: an experiment factor whose levels differ
only in settings rule minds never read (prompt texts, model settings, wording the game shows
LLM agents) gives identical runs when every agent is a rule mind. The game says which settings
those are (`Game.rule_blind_settings`); this module compares the cells and says so."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from itertools import groupby
from typing import Any

LABELS = frozenset({"name", "description"})  # a cell's own labels, never a difference


def rule_minds_only(scenario: Any) -> bool:
    """Every group's mind is the rule-based one (a group's model overrides the scenario's)."""
    return all((group.model or scenario.model).is_rules for group in scenario.population)


def differing_paths(a: Any, b: Any, at: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """The dotted paths of the leaves in which two dumped scenarios differ."""
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b), key=str):
            yield from differing_paths(a.get(key), b.get(key), (*at, str(key)))
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for index, (x, y) in enumerate(zip(a, b, strict=True)):
            yield from differing_paths(x, y, (*at, str(index)))
    elif a != b:
        yield at


def covered(path: tuple[str, ...], patterns: Sequence[str]) -> bool:
    """Whether a path lies under one of the dotted patterns ('*' matches any one key)."""
    for pattern in patterns:
        parts = pattern.split(".")
        if len(parts) <= len(path) and all(
            p in ("*", key) for p, key in zip(parts, path[: len(parts)], strict=True)
        ):
            return True
    return False


def factor_changes(experiment: Any, factor: str) -> set[tuple[str, ...]]:
    """The settings a factor changes: paths that differ between cells equal in every other
    factor's level."""

    def others(cell: Any) -> tuple[str, ...]:
        return tuple(level for name, level in sorted(cell.levels.items()) if name != factor)

    changes: set[tuple[str, ...]] = set()
    for _, group in groupby(sorted(experiment.cells, key=others), key=others):
        dumps = [_dump(cell.scenario) for cell in group]
        for other in dumps[1:]:
            changes.update(p for p in differing_paths(dumps[0], other) if p[0] not in LABELS)
    return changes


def rule_blind_warnings(experiment: Any) -> list[str]:
    """One sentence per factor whose levels vary only settings rule minds never read, when
    every cell's agents are rule minds."""
    if not all(rule_minds_only(cell.scenario) for cell in experiment.cells):
        return []
    game = experiment.game
    warnings = []
    for factor in experiment.factors:
        changes = factor_changes(experiment, factor)
        blind = [
            p
            for p in changes
            if all(covered(p, game.rule_blind_settings(c.scenario)) for c in experiment.cells)
        ]
        if changes and len(blind) == len(changes):
            shown = ", ".join(sorted({".".join(p[:3]) for p in changes}))
            warnings.append(
                f"factor {factor!r} varies only settings rule-based minds never read ({shown}): "
                "every agent here is a rule mind, so its levels cannot change the outcome; "
                "give the agents an LLM model to study it"
            )
    return warnings


def _dump(scenario: Any) -> Any:
    """The scenario as data, every persona resolved (a scenario's own over the built-in one),
    so that overriding a built-in persona differs from it only where its fields do."""
    data = scenario.model_dump(mode="json")
    if isinstance(data.get("personas"), dict):
        keys = set(scenario.builtin_personas()) | set(data["personas"])
        data["personas"] = {key: scenario.persona(key).model_dump(mode="json") for key in keys}
    return data
