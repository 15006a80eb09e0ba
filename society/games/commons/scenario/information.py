"""Scenario section `information:`: what LLM agents are told about the game's rules.

The two sources differ here on purpose. The social-learning paper's agents are never told how
rewards are computed ("no explicit reward" [P]): they learn from what happens. GovSim's agents
are told the lake's capacity, that the fish left double each month up to it, the range of each
catch, that every ton earns the same income, that the goal is long-run income, and that catches
are revealed and discussed after each month [G]. Every statement is rendered from the scenario's
own numbers (prompts/partials/rules.j2), so it cannot misstate them; whether the exact stock is
shown is `commons.exact_stock_visible`. Rule minds read no text: this section changes only what
LLM minds see. Tags: [P] the social-learning paper, [G] GovSim, [O] our own default.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from society.scenario._base import Stable

Goal = Literal["none", "long_run_income"]


class Information(Stable):
    """What agents are told (docs/mechanics.md §8); every default is the paper's silence."""

    dump_order = ("dynamics", "payoff", "goal", "others_actions")

    dynamics: bool = Field(
        False,
        description="Tell agents the regrowth rule with its numbers (GovSim: what is left doubles "
        "each round, up to the capacity K) and the range each harvest may take [G]; "
        "false: only that what is left regrows and too little collapses the resource [P].",
    )
    payoff: Literal["hidden", "per_unit"] = Field(
        "hidden",
        description="'hidden': agents are told nobody explains how rewards are computed (the "
        "paper's no explicit reward [P]); 'per_unit': every unit taken earns the same income [G].",
    )
    goal: Goal = Field(
        "none",
        description="'none': no goal is stated [P]; 'long_run_income': each member's goal is "
        "the most income over the long run, across many rounds [G].",
    )
    others_actions: bool = Field(
        False,
        description="Tell agents that everyone's harvest is revealed at the end of each round "
        "and discussed in the town hall [G]; needs institutions.town_hall with report_catches, "
        "which is what reveals them. False: agents see only their own harvest [P].",
    )
