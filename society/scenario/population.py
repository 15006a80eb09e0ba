"""The `population:` section every game's scenario has: groups of agents sharing a persona
(a key into the game's personas) and a model. Tags: [G] GovSim, [O] our own default."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import Field, ValidationInfo, field_validator

from society.scenario._base import Stable
from society.scenario.models import ModelSpec

GROUP_NAME_PATTERN = r"^[A-Za-z][A-Za-z0-9_-]{0,31}$"


class Group(Stable):
    """A population group: agents sharing a persona and a model."""

    # Left out while unset, so no resolved scenario written before roles changes.
    omit_when_default: ClassVar[frozenset[str]] = frozenset({"role"})

    name: str = Field(
        pattern=GROUP_NAME_PATTERN, description="Group name; agent ids are '<name>-<n>'."
    )
    count: int = Field(ge=1, le=10_000, description="Number of agents in the group.")
    joins_at: int = Field(
        1,
        ge=1,
        description="Round in which these agents join the commons; later than 1 makes them newcomers (GovSim's greedy newcomer) [G].",
    )
    persona: str = Field(
        "neutral", description="Key into 'personas' (built in: altruistic, selfish, neutral)."
    )
    model: ModelSpec | None = Field(
        None, description="Model for this group; default: the scenario's 'model'."
    )
    role: str | None = Field(
        None,
        pattern=r"^[a-z][a-z0-9_]{0,31}$",
        description="A role every agent of this group holds from the round it joins (e.g. "
        "monitor, leader: what the role allows is up to the institutions that name it); "
        "none: no fixed role [O].",
    )

    @field_validator("persona")
    @classmethod
    def _persona_is_known(cls, value: str, info: ValidationInfo) -> str:
        # The loader passes the scenario's persona keys and its game's built-in ones as
        # context, so the error points here.
        context = info.context or {}
        extra, builtin = context.get("personas"), context.get("builtin_personas")
        if extra is not None and builtin is not None:
            known = set(builtin) | set(extra)
            if value not in known:
                raise ValueError(f"unknown persona {value!r}; known: {', '.join(sorted(known))}")
        return value


def __getattr__(name: str) -> Any:
    # The commons' personas lived here before games (`society.games.commons.scenario`).
    if name in ("BUILTIN_PERSONAS", "Persona", "Strategy"):
        from society.scenario.schema import commons_name

        return commons_name(name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
