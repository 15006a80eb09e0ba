"""Scenario section `matrix:`: the stage game (actions, payoffs), the pairing schedule and what
players are told.

Tags in field descriptions: [A] Akata et al., *Playing repeated games with Large Language
Models* (arXiv 2305.16867, Nature Human Behaviour 2025; code github.com/eliaka/repeatedgames:
`pd/query_main.py`, `bos/query_main.py`); [O] our own default.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from society.scenario._base import Strict, rule_error

ACTION_NAME = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,15}$"
# Bounds that keep every prompt under 4,000 tokens (tests/test_matrix_prompts.py checks the
# worst case): actions, label length, history lines.
MAX_ACTIONS = 6
MAX_LABEL = 30
MAX_HISTORY = 25
Payoff = Annotated[float, Field(allow_inf_nan=False)]


class Pairing(Strict):
    """Who meets whom (society.core.pairing). A *match* is the run of consecutive rounds two
    players spend together; rule strategies condition on everything a pair did before."""

    kind: Literal["fixed", "round_robin", "random"] = Field(
        "fixed",
        description="fixed: neighbours in population order are partners for the whole run "
        "(core.pairing.fixed_partners) [A: one partner per game]; round_robin: every pair meets "
        "once per cycle, one match each (core.pairing.round_robin; an odd population gives each "
        "player one bye per cycle) [O]; random: pairs drawn afresh, seeded, at the start of "
        "every match (core.pairing.random_matching) [O].",
    )
    match_rounds: int = Field(
        10,
        ge=1,
        le=1000,
        description="Rounds two partners play before the pairs change (round_robin, random); "
        "with fixed partners it only sets the default run length: 10 [A]. random with 1 "
        "re-matches every round.",
    )


class Told(Strict):
    """What an LLM player's prompt shows (rule players read their strategy's facts)."""

    payoffs: Literal["full", "own"] = Field(
        "full",
        description="full: every cell's payoffs for both players, from the player's own side "
        "[A]; own: only the player's own payoff in each cell [O].",
    )
    history_rounds: int = Field(
        10,
        ge=0,
        le=MAX_HISTORY,
        description="How many of the player's most recent rounds (any partner) the prompt lists, "
        "oldest first, at most 25 (prompts stay under 4,000 tokens): 10, the whole game in [A]'s "
        "10-round games; 0 shows none.",
    )
    horizon: bool = Field(
        True,
        description="Say how many rounds the run and each match last (A: 'You will play 10 "
        "rounds in total with the same player') [A].",
    )
    partner_names: bool = Field(
        True,
        description="Name the partner and the partners in the history (needed to tell partners "
        "apart when they change); false says 'the other player' as [A] do [O].",
    )
    shuffle_options: bool = Field(
        True,
        description="Name the options in a seeded random order in each question ([A]'s "
        "Prisoner's Dilemma queries shuffle it every round; their Battle of the Sexes ones "
        "do not).",
    )


class MatrixSettings(Strict):
    """A two-player stage game played over many rounds (society/games/matrix/README.md)."""

    actions: dict[str, str] = Field(
        description="Action name -> the label players see (2 to 6 actions, labels of 1 to 30 characters, both players choose "
        "from the same list), e.g. {J: Option J, F: Option F} [A]. Players answer with the name."
    )
    payoffs: dict[str, dict[str, tuple[Payoff, Payoff]]] = Field(
        description="payoffs[row][column] = [row player's payoff, column player's payoff], one "
        "cell for every pair of actions. In a pair (first, second) of the schedule the first "
        "is the row player."
    )
    cooperate: str | None = Field(
        None,
        description="The action counted as cooperating (cooperation rates, the sucker's payoff) "
        "and played by strategies that cooperate; null for a game without one (Battle of the "
        "Sexes).",
    )
    defect: str | None = Field(
        None,
        description="The action counted as defecting, played by strategies that defect; given "
        "together with `cooperate`.",
    )
    pairing: Pairing = Field(default_factory=Pairing)
    told: Told = Field(default_factory=Told)
    tremble: float = Field(
        0.0,
        ge=0.0,
        le=0.5,
        description="Rule players' execution error: with this probability a rule player's "
        "intended move is replaced by another action drawn uniformly (seeded); LLM players "
        "never tremble [O].",
    )

    @model_validator(mode="after")
    def _a_complete_matrix(self) -> MatrixSettings:
        import re

        names = list(self.actions)
        if not 2 <= len(names) <= MAX_ACTIONS:
            raise rule_error(
                f"a matrix game needs 2 to {MAX_ACTIONS} actions (got {len(names)})", "actions"
            )
        for name, label in self.actions.items():
            if not re.match(ACTION_NAME, name):
                raise rule_error(
                    f"action name {name!r}: 1 to 16 letters, digits, '_' or '-', starting with "
                    "a letter or digit",
                    "actions",
                    name,
                )
            if not 1 <= len(label) <= MAX_LABEL:
                raise rule_error(
                    f"label of {name!r}: 1 to {MAX_LABEL} characters (got {len(label)})",
                    "actions",
                    name,
                )
        for row in self.payoffs:
            if row not in self.actions:
                raise rule_error(
                    f"row {row!r} is not an action; actions: {', '.join(names)}", "payoffs", row
                )
            for column in self.payoffs[row]:
                if column not in self.actions:
                    raise rule_error(
                        f"column {column!r} is not an action; actions: {', '.join(names)}",
                        "payoffs",
                        row,
                        column,
                    )
        for row in names:
            if row not in self.payoffs:
                raise rule_error(
                    f"no row for action {row!r}: every action needs a row of payoffs", "payoffs"
                )
            missing = [c for c in names if c not in self.payoffs[row]]
            if missing:
                raise rule_error(
                    f"row {row!r} has no cell for column {', '.join(map(repr, missing))}: every "
                    "cell needs both players' payoffs",
                    "payoffs",
                    row,
                )
        for role in ("cooperate", "defect"):
            value = getattr(self, role)
            if value is not None and value not in self.actions:
                raise rule_error(f"{value!r} is not an action; actions: {', '.join(names)}", role)
        if (self.cooperate is None) != (self.defect is None):
            raise rule_error("give both `cooperate` and `defect`, or neither", "cooperate")
        if self.cooperate is not None and self.cooperate == self.defect:
            raise rule_error("`cooperate` and `defect` must be different actions", "defect")
        return self

    @property
    def names(self) -> list[str]:
        return list(self.actions)

    def payoff(self, row: str, column: str) -> tuple[float, float]:
        cell = self.payoffs[row][column]
        return float(cell[0]), float(cell[1])

    def own_payoffs(self, role: str) -> dict[str, dict[str, tuple[float, float]]]:
        """(mine, theirs) for each (my action, their action), seen from `role` ('row' or
        'column'): what a player is told and what its strategy reads."""
        seen: dict[str, dict[str, tuple[float, float]]] = {}
        for mine in self.names:
            seen[mine] = {}
            for theirs in self.names:
                if role == "row":
                    seen[mine][theirs] = self.payoff(mine, theirs)
                else:
                    a, b = self.payoff(theirs, mine)
                    seen[mine][theirs] = (b, a)
        return seen

    def resolve_action(self, reference: str) -> str:
        """An action name, or the role words 'cooperate'/'defect' for the actions the matrix
        names so (an action of that name comes first)."""
        if reference in self.actions:
            return reference
        if reference in ("cooperate", "defect"):
            named = getattr(self, reference)
            if named is None:
                raise ValueError(
                    f"'{reference}' names no action: this matrix sets no `cooperate`/`defect`"
                )
            return str(named)
        raise ValueError(f"{reference!r} is not an action; actions: {', '.join(self.names)}")
