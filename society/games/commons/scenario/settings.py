"""Scenario section `commons:`: the resource, its regrowth, harvesting and collapse.

Tags in field descriptions: [P] the social-learning CPR paper, [G] GovSim, [O] our own default.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from society.scenario._base import Strict, rule_error


class LogisticRegrowth(Strict):
    """R(t+1) = R' + r·R'·(1 − R'/K), where R' is the stock left after harvest. [P]"""

    kind: Literal["logistic"] = "logistic"
    rate: float = Field(
        0.6, ge=0.0, le=5.0, description="Growth rate r per round. Rich 0.6 [P], scarce 0.2 [O]."
    )


class DoublingRegrowth(Strict):
    """R(t+1) = min(K, factor·R'): GovSim's regrowth. [G]"""

    kind: Literal["doubling"] = "doubling"
    factor: float = Field(
        2.0,
        ge=1.0,
        le=10.0,
        description="Multiplier applied to the stock left after harvest. GovSim: 2 [G].",
    )


Regrowth = Annotated[LogisticRegrowth | DoublingRegrowth, Field(discriminator="kind")]


class ResourceNames(Strict):
    """How prompts and reports name the resource (fishery, pasture, pollution...)."""

    name: str = Field("resource", min_length=1, description="What the commons holds, e.g. 'fish'.")
    unit: str = Field(
        "units", min_length=1, description="Unit of the stock and of harvests, e.g. 'tons'."
    )
    action: str = Field(
        "harvest", min_length=1, description="Verb for taking from the commons, e.g. 'catch'."
    )


class CollapseRule(Strict):
    """When the commons counts as collapsed."""

    below: float = Field(
        1.0,
        ge=0.0,
        description="The commons collapses when the stock is below this (units). CPR: 1 [P]; GovSim: 5 [G].",
    )
    checked: Literal["after_regrowth", "after_harvest"] = Field(
        "after_regrowth",
        description="When the stock is compared: after regrowth (CPR [P]) or right after harvest, before regrowth (GovSim [G]).",
    )


class Commons(Strict):
    """The shared resource and its dynamics (docs/mechanics.md §2)."""

    harvest: Literal["effort", "amount"] = Field(
        "effort",
        description="'effort': each agent picks e in [0,1] and takes productivity·e·R [P/O]. "
        "'amount': each agent asks an integer 0..R; excess demand is rationed one unit at a time [G].",
    )
    capacity: float = Field(
        300.0, gt=0.0, description="Carrying capacity K (units). Paper 300 [P]; GovSim 100 [G]."
    )
    initial_stock: float | None = Field(
        None, ge=0.0, description="R(0) (units). Default: the capacity [P]."
    )
    regrowth: Regrowth = Field(
        default_factory=LogisticRegrowth, description="Regrowth rule, by 'kind'."
    )
    productivity: float = Field(
        0.1, gt=0.0, le=1.0, description="α in h = α·e·R for 'effort' harvests [O]."
    )
    consumption: float = Field(
        1.0,
        ge=0.0,
        description="Units each alive agent consumes per round, subtracted from its payoff [P, value O].",
    )
    initial_payoff: float = Field(
        5.0,
        ge=0.0,
        description="Each agent's starting payoff π(0) in units [O]; an agent whose payoff falls below 0 starves.",
    )
    starvation: bool = Field(
        True,
        description="An agent whose cumulative payoff is below 0 dies and leaves the commons [P].",
    )
    end_on_death: bool = Field(True, description="The run ends when any agent dies [P].")
    collapse: CollapseRule = Field(default_factory=CollapseRule)
    exact_stock_visible: bool = Field(
        False,
        description="Agents see the exact stock; otherwise a coarse signal (plentiful / moderate / scarce / critical) [P].",
    )
    resource: ResourceNames = Field(default_factory=ResourceNames)

    @model_validator(mode="after")
    def _consistent(self) -> Commons:
        if self.initial_stock is not None and self.initial_stock > self.capacity:
            raise rule_error(
                f"initial_stock ({self.initial_stock:g}) exceeds capacity ({self.capacity:g})",
                "initial_stock",
            )
        if self.harvest == "amount" and not self.exact_stock_visible:
            raise rule_error(
                "harvest 'amount' needs exact_stock_visible: true (agents ask for up to the stock)",
                "harvest",
            )
        return self

    @property
    def start_stock(self) -> float:
        return self.capacity if self.initial_stock is None else self.initial_stock
