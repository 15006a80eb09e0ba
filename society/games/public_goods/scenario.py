"""The public-goods game's scenario file: the core fields, a `public_goods:` section, an
`institutions:` section (peer punishment and any institution registered for this game) and
personas with the rule agents' numbers."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field, model_validator

from society.core.institution import compose_settings, run_checks
from society.core.settings import Stable, Strict, rule_error
from society.games.public_goods.settings import PublicGoodsSettings
from society.institutions.punishment import PunisherRule
from society.scenario.base import ScenarioBase
from society.scenario.memory_settings import MemorySection

GAME = "public_goods"
MAX_MEMBERS = 40  # the prompt lists every other member's contribution: kept bounded


class ContributorRule(Strict):
    """A rule agent's contribution numbers [O] (society/games/public_goods/README.md)."""

    initial: float = Field(
        ge=0.0, le=1.0, description="Share of the endowment contributed in round 1 [O]."
    )
    match: float = Field(
        ge=0.0,
        le=2.0,
        description="Contribution as a multiple of the others' mean contribution last round: "
        "conditional cooperators give a little less than the others (below 1), free riders "
        "nothing (0) [O, after Fischbacher, Gächter & Fehr 2001].",
    )
    adjust: float = Field(
        1.0,
        ge=0.0,
        le=1.0,
        description="Share of the way it moves each round from its own last contribution to "
        "match × the others' mean (1: all the way; less: gradual) [O].",
    )
    learn: float = Field(
        0.5,
        ge=0.0,
        le=1.0,
        description="After being punished for contributing below the others' mean, the share "
        "of the gap to that mean it closes in its floor (scaled by how far the loss per token "
        "withheld exceeds the 1 − MPCR it saves) [O].",
    )
    forget: float = Field(
        0.1,
        ge=0.0,
        le=1.0,
        description="Share of the floor lost after each round without punishment [O].",
    )
    noise: float = Field(
        0.05,
        ge=0.0,
        le=1.0,
        description="Standard deviation of the per-round tremble, as a share of the endowment [O].",
    )


class PublicGoodsPersona(Strict):
    """Who an agent is: text shown to LLM agents (empty shows nothing) and a rule agent's
    numbers for contributing and for punishing (read only with punishment on)."""

    description: str = Field("", description="Shown to LLM agents; empty shows nothing.")
    contribution: ContributorRule
    punishment: PunisherRule = Field(default_factory=PunisherRule)


CONDITIONAL = ContributorRule(
    initial=0.5, match=0.85, adjust=0.5, learn=1.0, forget=0.05, noise=0.05
)

# Built-in personas [O]: the types of Fischbacher, Gächter & Fehr 2001 (conditional
# cooperators, free riders) and Fehr & Gächter's altruistic punishers; `neutral` (the default
# group persona) shows LLM agents no persona text.
BUILTIN_PERSONAS: dict[str, PublicGoodsPersona] = {
    "neutral": PublicGoodsPersona(description="", contribution=CONDITIONAL),
    "conditional_cooperator": PublicGoodsPersona(
        description="You contribute about as much as the others in your group do.",
        contribution=CONDITIONAL,
    ),
    "free_rider": PublicGoodsPersona(
        description="You look after your own earnings first.",
        contribution=ContributorRule(
            initial=0.1, match=0.0, adjust=1.0, learn=0.8, forget=0.1, noise=0.05
        ),
    ),
    "altruistic_punisher": PublicGoodsPersona(
        description="You contribute generously and you are ready to pay to punish those who "
        "contribute less than the others.",
        contribution=ContributorRule(
            initial=0.7, match=1.0, adjust=0.5, learn=0.5, forget=0.1, noise=0.05
        ),
        punishment=PunisherRule(severity=1.0, reference="mean", tolerance=0.5, max_price=1.0),
    ),
}


def _numbers(persona: PublicGoodsPersona) -> str:
    c, r = persona.contribution, persona.punishment
    return (
        f"initial {c.initial:g}, match {c.match:g}, adjust {c.adjust:g}, learn {c.learn:g}, "
        f"forget {c.forget:g}, noise {c.noise:g}; punishing: severity {r.severity:g}, "
        f"reference {r.reference}, tolerance {r.tolerance:g}, max_price {r.max_price:g}"
    )


PERSONAS_DESCRIPTION = (
    "Extra or overriding personas by key. Built in [O]: "
    + "; ".join(f"{key} ({_numbers(p)})" for key, p in BUILTIN_PERSONAS.items())
    + "."
)


class FixedInstitutions(Stable):
    """Institutions of a public-goods society (all off by default): every institution module
    registered for this game, e.g. `punishment` (society/institutions/punishment.py)."""


Institutions: Any = compose_settings(FixedInstitutions, GAME, "PublicGoodsInstitutions")


class PublicGoodsScenario(ScenarioBase):
    """A public-goods society (society/games/public_goods/README.md)."""

    dump_order = (
        "schema_version",
        "game",
        "name",
        "description",
        "seed",
        "rounds",
        "public_goods",
        "institutions",
        "model",
        "personas",
        "population",
        "llm",
        "memory",
        "round",
    )
    omit_when_default: ClassVar[frozenset[str]] = frozenset({"round", "prompts"})

    game: Literal["public_goods"] = Field(
        "public_goods", description="The public-goods game with optional peer punishment."
    )
    rounds: int = Field(10, ge=1, le=10_000, description="Rounds played: 10 [FG2000].")
    public_goods: PublicGoodsSettings = Field(default_factory=PublicGoodsSettings)
    institutions: Institutions = Field(default_factory=Institutions)  # type: ignore[valid-type]
    personas: dict[str, PublicGoodsPersona] = Field(
        default_factory=dict, description=PERSONAS_DESCRIPTION
    )
    memory: MemorySection = Field(
        default_factory=lambda: MemorySection(enabled=False),
        description="Off by default: members are shown the last rounds' contributions "
        "(public_goods.history_shown), as the experiments' screens showed them [O].",
    )

    @model_validator(mode="after")
    def _fits_the_game(self) -> PublicGoodsScenario:
        run_checks(self.institutions)
        if not 2 <= self.agent_count <= MAX_MEMBERS:
            raise rule_error(
                f"the public-goods game needs 2 to {MAX_MEMBERS} members (got {self.agent_count})",
                "population",
            )
        for index, group in enumerate(self.population):
            if group.joins_at != 1:
                raise rule_error(
                    "every member of a public-goods group plays from round 1",
                    "population",
                    index,
                    "joins_at",
                )
        punishment = self.institutions.punishment
        if punishment.enabled and self.public_goods.visibility != "individual":
            raise rule_error(
                "peer punishment needs members to see who contributed what: set "
                "public_goods.visibility: individual (or switch punishment off)",
                "public_goods",
                "visibility",
            )
        return self

    @property
    def mpcr(self) -> float:
        """The marginal per-capita return: what each member gets back of one token contributed."""
        return self.public_goods.multiplier / self.agent_count

    @classmethod
    def builtin_personas(cls) -> dict[str, PublicGoodsPersona]:
        return BUILTIN_PERSONAS
