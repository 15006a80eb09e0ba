"""The matrix game's scenario file: the core fields, a `matrix:` section and personas whose
`strategy:` is a rule player's strategy (society/games/matrix/README.md).

`rounds` follows from the pairing when left out: fixed partners play one match of
`match_rounds`; a round robin one cycle (each pair one match); random matching as many matches
as a round robin has stages. Any other `rounds` is allowed: a round robin cycles again."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from pydantic import Field, ValidationError, model_validator

from society.core.institution import compose_settings, run_checks
from society.core.settings import Stable
from society.games.matrix.settings import MatrixSettings
from society.institutions.punishment import PunisherRule
from society.scenario._base import Strict, rule_error
from society.scenario.base import ScenarioBase
from society.scenario.memory_settings import MemorySection

# An action name, or the words 'cooperate' / 'defect' for the actions the matrix names so.
ActionRef = Annotated[str, Field(min_length=1, max_length=16)]


class Always(Strict):
    """Plays one action every round ([A]'s 'always J' / 'always F' players)."""

    kind: Literal["always"]
    action: ActionRef = Field(description="The action played.")


class TitForTat(Strict):
    """Opens with `opening`, then plays what the partner played the last time they met [O]."""

    kind: Literal["tit_for_tat"]
    opening: ActionRef = Field("cooperate", description="First move against a new partner [O].")


class GrimTrigger(Strict):
    """Cooperates until the partner has once played anything but the cooperative action, then
    defects against that partner for good [O]."""

    kind: Literal["grim_trigger"]


class WinStayLoseShift(Strict):
    """Pavlov (Nowak & Sigmund 1993): repeats its last move against this partner when that
    move earned at least the aspiration, else shifts (to the other action; with more than two,
    to one drawn uniformly among the others). Opens with `opening` [O]."""

    kind: Literal["win_stay_lose_shift"]
    opening: ActionRef = Field("cooperate", description="First move against a new partner [O].")
    aspiration: float | None = Field(
        None,
        allow_inf_nan=False,
        description="Payoff at or above which it stays; null: derived from the matrix, the mean "
        "of the player's own payoffs over every cell (the Prisoner's Dilemma 8/0/10/5 of [A]: "
        "5.75, so it stays after 8 or 10 and shifts after 5 or 0) [O].",
    )


class RandomChoice(Strict):
    """Plays `action` with `probability`, else one of the other actions uniformly [O]."""

    kind: Literal["random"]
    action: ActionRef = Field("cooperate", description="The action drawn with `probability` [O].")
    probability: float = Field(0.5, ge=0.0, le=1.0, description="Chance of `action`: 0.5 [O].")


class Probe(Strict):
    """[A]'s 'defect once' probe: defects in the `defect_round`-th round with each partner and
    cooperates in every other ([A]: defects in round 1 of 10, then cooperates)."""

    kind: Literal["probe"]
    defect_round: int = Field(
        1, ge=1, le=1000, description="The round with a partner in which it defects: 1 [A]."
    )


class Cycle(Strict):
    """Plays `sequence` in turn, round by round with each partner ([A]'s Battle of the Sexes
    player that alternates F, J, F, J, ...)."""

    kind: Literal["cycle"]
    sequence: list[ActionRef] = Field(min_length=1, max_length=20, description="Actions in order.")


class Adaptive(Strict):
    """A player who learns from sanctions (for partner choice and punishment, [O]): it
    cooperates with a chance, its inclination, which starts at `initial`; after a round in
    which it was refused by a partner or punished, the inclination moves `learn` of the way to
    1; after a round in which it defected unsanctioned (defection paid), it loses `forget` of
    itself. Without sanctions it drifts towards defection; a rule stand-in for the learning
    agents of Anastassacos, Hailes & Musolesi 2020 (after the public-goods game's
    conditional contributors' learn / forget)."""

    kind: Literal["adaptive"]
    initial: float = Field(0.5, ge=0.0, le=1.0, description="Chance of cooperating at first [O].")
    learn: float = Field(
        0.3, ge=0.0, le=1.0, description="Share of the way to 1 after a sanctioned round [O]."
    )
    forget: float = Field(
        0.2,
        ge=0.0,
        le=1.0,
        description="Share of the inclination lost after defecting unsanctioned [O].",
    )


Strategy = Annotated[
    Always | TitForTat | GrimTrigger | WinStayLoseShift | RandomChoice | Probe | Cycle | Adaptive,
    Field(discriminator="kind"),
]


class MatrixPersona(Stable):
    """Text for LLM players (empty: none, as in [A]), the strategy a rule player plays and,
    with peer punishment on, its punishing numbers."""

    omit_when_default: ClassVar[frozenset[str]] = frozenset({"punishment"})

    description: str = Field(
        "", max_length=500, description="Shown to LLM players; empty shows nothing [A]."
    )
    strategy: Strategy | None = Field(
        None, description="What a rule player with this persona plays; null: LLM players only."
    )
    punishment: PunisherRule = Field(
        default_factory=PunisherRule,
        description="A rule player's punishing numbers, read with institutions.punishment on "
        "(a partner's act is 1 when it cooperated, else 0); the default never punishes [O].",
    )


def _p(
    description: str, strategy: dict[str, Any], punishment: dict[str, Any] | None = None
) -> MatrixPersona:
    data: dict[str, Any] = {"description": description, "strategy": strategy}
    if punishment is not None:
        data["punishment"] = punishment
    return MatrixPersona.model_validate(data)


BUILTIN_PERSONAS: dict[str, MatrixPersona] = {
    # [A]'s LLM players have no persona; `player` is that (no strategy: LLM players only).
    "player": MatrixPersona(description=""),
    "always_cooperate": _p("You always cooperate.", {"kind": "always", "action": "cooperate"}),
    "always_defect": _p("You always defect.", {"kind": "always", "action": "defect"}),
    "tit_for_tat": _p(
        "You start by cooperating, then do what your partner did last time.",
        {"kind": "tit_for_tat"},
    ),
    "grim_trigger": _p(
        "You cooperate until your partner defects once; then you never cooperate with them again.",
        {"kind": "grim_trigger"},
    ),
    "win_stay_lose_shift": _p(
        "You repeat a move that paid well and change a move that did not.",
        {"kind": "win_stay_lose_shift"},
    ),
    "random": _p("You choose at random.", {"kind": "random"}),
    "defect_once": _p(
        "You defect in your first round with each partner and cooperate after that.",
        {"kind": "probe", "defect_round": 1},
    ),
    # For partner choice and punishment [O]: a reciprocator who pays 1 point to punish a
    # partner who defected on its cooperation, and a player who learns from sanctions.
    "punishing_tit_for_tat": _p(
        "You start by cooperating, then do what your partner did last time; you are ready to "
        "pay to punish a partner who defects on your cooperation.",
        {"kind": "tit_for_tat"},
        {"severity": 3.0, "reference": "own", "tolerance": 0.5, "max_price": 1.0},
    ),
    "adaptive": _p(
        "You do whatever pays best.",
        {"kind": "adaptive", "initial": 0.5, "learn": 0.3, "forget": 0.2},
    ),
}


def strategy_actions(strategy: Any) -> list[tuple[tuple[str | int, ...], str]]:
    """(field path inside the strategy, action reference) of every action a strategy names."""
    if strategy.kind == "always":
        return [(("action",), strategy.action)]
    if strategy.kind in ("tit_for_tat", "win_stay_lose_shift"):
        return [(("opening",), strategy.opening)]
    if strategy.kind == "random":
        return [(("action",), strategy.action)]
    if strategy.kind == "cycle":
        return [(("sequence", i), a) for i, a in enumerate(strategy.sequence)]
    return []  # grim_trigger, probe and adaptive use `cooperate` and `defect`


def needs_roles(strategy: Any) -> bool:
    return strategy.kind in ("grim_trigger", "probe", "adaptive")


class FixedInstitutions(Stable):
    """Institutions of a matrix society (all off by default): every institution module
    registered for this game (peer punishment, reputation, partner choice)."""

    @model_validator(mode="after")
    def _they_work_together(self) -> FixedInstitutions:
        run_checks(self)  # errors point into this section
        return self


Institutions: Any = compose_settings(FixedInstitutions, "matrix", "MatrixInstitutions")


class MatrixScenario(ScenarioBase):
    """A society playing a repeated two-player matrix game (society/games/matrix/README.md)."""

    dump_order = (
        "schema_version",
        "game",
        "name",
        "description",
        "seed",
        "rounds",
        "matrix",
        "institutions",
        "model",
        "personas",
        "population",
        "llm",
        "memory",
        "round",
    )
    omit_when_default: ClassVar[frozenset[str]] = frozenset({"round", "prompts", "institutions"})

    game: Literal["matrix"] = Field("matrix", description="The repeated matrix game.")
    rounds: int = Field(
        10,
        ge=1,
        le=10_000,
        description="Rounds played; derived from the pairing when left out (see the module).",
    )
    matrix: MatrixSettings
    institutions: Institutions = Field(default_factory=Institutions)  # type: ignore[valid-type]
    personas: dict[str, MatrixPersona] = Field(
        default_factory=dict, description="Extra or overriding personas by key."
    )
    memory: MemorySection = Field(
        default_factory=lambda: MemorySection(enabled=False),
        description="Off: players see the history of their own rounds in the prompt [A].",
    )

    @model_validator(mode="before")
    @classmethod
    def _derive_rounds(cls, data: Any) -> Any:
        if not isinstance(data, dict) or "rounds" in data:
            return data
        try:
            settings = MatrixSettings.model_validate(data.get("matrix") or {})
            groups = data.get("population") or []
            count = sum(int(g.get("count", 0)) for g in groups if isinstance(g, dict))
        except (ValidationError, TypeError, ValueError):
            return data  # the sections' own errors are reported
        return {**data, "rounds": default_rounds(settings, count)}

    @model_validator(mode="after")
    def _fits_the_game(self) -> MatrixScenario:
        settings = self.matrix
        for name in ("punishment", "reputation", "partner_choice"):
            section = getattr(self.institutions, name, None)
            if section is not None and section.enabled and settings.cooperate is None:
                raise rule_error(
                    f"institutions.{name} reads cooperation: this matrix needs `cooperate` and "
                    "`defect`",
                    "institutions",
                    name,
                    "enabled",
                )
        count = self.agent_count
        kind = settings.pairing.kind
        if count < 2:
            raise rule_error("a matrix game needs at least 2 players", "population")
        if kind in ("fixed", "random") and count % 2:
            raise rule_error(
                f"pairing '{kind}' pairs everyone every round: it needs an even number of "
                f"players (got {count}); use round_robin for byes, or add or remove one",
                "population",
            )
        for index, group in enumerate(self.population):
            if group.joins_at != 1:
                raise rule_error(
                    "every player of a matrix game plays from round 1",
                    "population",
                    index,
                    "joins_at",
                )
            if self.model_for(group).name != "rules":
                continue  # a persona's strategy is what a rule player plays
            own = group.persona in self.personas
            persona = self.persona(group.persona)
            at = (
                ("personas", group.persona, "strategy") if own else ("population", index, "persona")
            )
            if persona.strategy is None:
                raise rule_error(
                    f"persona {group.persona!r} has no strategy for rule players: give group "
                    f"{group.name!r} a model or a persona with a `strategy`",
                    "population",
                    index,
                    "persona",
                )
            self._check_strategy(persona.strategy, at, "" if own else group.persona)
        if self.memory.enabled:
            raise rule_error(
                "the matrix game keeps no episodic memory: players see the history of their "
                "own rounds in the prompt (matrix.told.history_rounds) [A]; set "
                "memory.enabled: false",
                "memory",
                "enabled",
            )
        return self

    def _check_strategy(self, strategy: Any, at: tuple[str | int, ...], builtin: str = "") -> None:
        settings = self.matrix
        which = f"persona {builtin!r}: " if builtin else ""
        if needs_roles(strategy) and settings.cooperate is None:
            raise rule_error(
                f"{which}strategy {strategy.kind!r} cooperates and defects: this matrix needs "
                "`cooperate` and `defect`",
                *at,
            )
        for path, reference in strategy_actions(strategy):
            try:
                settings.resolve_action(reference)
            except ValueError as error:
                raise rule_error(f"{which}{error}", *(at if builtin else (*at, *path))) from None

    @classmethod
    def builtin_personas(cls) -> dict[str, MatrixPersona]:
        return BUILTIN_PERSONAS


def stages_per_cycle(kind: str, players: int) -> int:
    """Matches each player plays in one cycle of the schedule."""
    if kind == "fixed":
        return 1
    return players if players % 2 else players - 1


def default_rounds(settings: MatrixSettings, players: int) -> int:
    kind = settings.pairing.kind
    return settings.pairing.match_rounds * stages_per_cycle(kind, max(players, 2))
