"""What every scenario shares (schema version, name and group patterns, models), and, for
code written before games, the commons' scenario names (`Scenario`, `Commons`, `Persona`...),
which now live in the commons' package (`society.games.commons.scenario`): they are looked
up through the game registry on first use, so this core module imports no game."""

from __future__ import annotations

from typing import Any

from society.scenario.base import SCENARIO_NAME_PATTERN, SCHEMA_VERSION
from society.scenario.models import LLMSettings, ModelSpec
from society.scenario.population import GROUP_NAME_PATTERN, Group

# What each pattern means, for error messages (the loader shows these instead of the regex).
PATTERN_RULES: dict[str, str] = {
    GROUP_NAME_PATTERN: "must start with a letter and hold only letters, digits, '_' and '-', "
    "at most 32 characters",
    SCENARIO_NAME_PATTERN: "must start with a lowercase letter or digit and hold only lowercase "
    "letters, digits, '.', '_' and '-', at most 64 characters",
}

# The commons' names this module has always offered.
COMMONS_NAMES = frozenset(
    {
        "BUILTIN_PERSONAS",
        "CollapseRule",
        "Commons",
        "DoublingRegrowth",
        "LogisticRegrowth",
        "Norm",
        "Persona",
        "ResourceNames",
        "Scenario",
        "Strategy",
    }
)

__all__ = [
    "GROUP_NAME_PATTERN",
    "PATTERN_RULES",
    "SCENARIO_NAME_PATTERN",
    "SCHEMA_VERSION",
    "Group",
    "LLMSettings",
    "ModelSpec",
    *sorted(COMMONS_NAMES),
]


def commons_name(name: str) -> Any:
    """One of the commons' scenario names, from the default game's scenario package."""
    import sys

    from society.core.registry import DEFAULT_GAME, game_named

    scenario_type = game_named(DEFAULT_GAME).scenario_type
    return getattr(sys.modules[scenario_type.__module__.rsplit(".", 1)[0]], name)


def __getattr__(name: str) -> Any:
    if name in COMMONS_NAMES:
        return commons_name(name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
