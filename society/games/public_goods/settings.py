"""Scenario section `public_goods:`: the game's rules and numbers.

Tags in field descriptions: [FG2000] Fehr & Gächter 2000, "Cooperation and punishment in
public goods experiments", American Economic Review 90(4); [SanctSim] Guzman Piedrahita et al.
2025, arXiv 2506.23276, its code's parameters.py; [O] our own default.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from society.core.settings import Strict


class PublicGoodsSettings(Strict):
    """Each round every member gets `endowment`, contributes part of it to a project, and the
    project's pot (`multiplier` × the contributions) is shared equally: member i earns
    endowment − c_i + multiplier · Σc / N (society/games/public_goods/README.md)."""

    endowment: float = Field(
        20.0,
        gt=0.0,
        le=1_000_000.0,
        description="Tokens each member gets every round, to keep or contribute: 20 [FG2000, SanctSim].",
    )
    multiplier: float = Field(
        1.6,
        ge=0.0,
        le=1000.0,
        description="The pot is this multiple of the contributions, shared equally by the N "
        "members (marginal per-capita return multiplier / N): 1.6, 0.4 with 4 members "
        "[FG2000, SanctSim].",
    )
    whole_units: bool = Field(
        True,
        description="Contributions are whole tokens, 0..endowment [FG2000]; false allows any "
        "amount in between [O].",
    )
    visibility: Literal["individual", "total"] = Field(
        "individual",
        description="After contributing, members see each other member's contribution "
        "('individual' [FG2000]) or only the total ('total' [O]). Peer punishment needs "
        "'individual'. Rule agents read only the others' mean, which the total gives too: "
        "without punishment this changes what LLM agents are told, not what rule agents do.",
    )
    history_shown: int = Field(
        3,
        ge=0,
        le=10,
        description="Past rounds shown in each contribution prompt, most recent first: each "
        "other member's contribution for the last one (with individual visibility), the "
        "others' total and mean for earlier ones, so the prompt stays bounded [O]. Rule agents "
        "read only the last round.",
    )
    unit: str = Field(
        "tokens",
        min_length=1,
        max_length=30,
        description="What the endowment is called in prompts and reports [FG2000: tokens].",
    )
