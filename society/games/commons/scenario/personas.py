"""The commons' personas: text for LLM minds and a starting strategy tuple for rule minds
(the paper's e, m, p and our own numbers), and the built-in ones."""

from __future__ import annotations

from pydantic import Field

from society.core.settings import Strict


class Strategy(Strict):
    """A rule-based agent's strategy tuple (the paper's e, m, p)."""

    effort: float = Field(
        ge=0.0, le=1.0, description="Harvest effort e in [0,1] ('effort' commons) [P]."
    )
    monitor: float = Field(
        ge=0.0,
        le=1.0,
        description="Probability m of inspecting a peer each round: a random one [P], or one memory names as a violator (institutions.monitoring.target_suspects) [O].",
    )
    punish: float = Field(
        ge=0.0, le=1.0, description="Probability p of punishing a peer known to break the norm [P]."
    )
    noise: float = Field(
        0.02,
        ge=0.0,
        le=0.5,
        description="Std. dev. of the per-round trembling-hand noise on effort [O].",
    )
    keeps_agreements: float = Field(
        0.7,
        ge=0.0,
        le=1.0,
        description="Probability of keeping a limit agreed in the town hall this round [O].",
    )
    norm_factor: float = Field(
        1.0,
        ge=0.0,
        le=10.0,
        description="Personal norm as a multiple of the sustainable per-agent share; what the agent proposes and judges by [O].",
    )
    comply: float = Field(
        0.0,
        ge=0.0,
        le=1.0,
        description="Starting probability, each round, of aiming the harvest at the norm in force "
        "(norm_aim · G(t)) instead of harvesting by habit; individual learning (the `learning:` "
        "section) reinforces or inhibits it from consequences [O].",
    )
    norm_weight: float = Field(
        0.0,
        ge=0.0,
        le=10.0,
        description="An internalised norm: in individual learning, each unit harvested above "
        "the norm in force counts as this many units lost (0: only material consequences "
        "teach) [O].",
    )
    norm_aim: float = Field(
        0.9,
        gt=0.0,
        le=1.0,
        description="When aiming at the norm, the fraction of G(t) aimed at; the margin absorbs "
        "the effort noise and the stock's change since the last harvest [O].",
    )


class Persona(Strict):
    """A persona: text for LLM minds and a starting strategy for rule-based minds."""

    description: str = Field(min_length=1, description="Shown to LLM agents as who they are.")
    strategy: Strategy


# Starting strategies [O values, directions P]: altruists harvest little and enforce;
# selfish agents harvest much and rarely monitor or punish.
BUILTIN_PERSONAS: dict[str, Persona] = {
    "altruistic": Persona(
        description="You care about the community and the long-term health of the shared resource.",
        strategy=Strategy(
            effort=0.1,
            monitor=0.6,
            punish=0.6,
            norm_factor=0.8,
            keeps_agreements=0.95,
            # 0.3, not higher: norm-keepers earn less on the scarce commons, which weakens the
            # beta x r interaction of the findings (BENCHMARKS.md) [O].
            comply=0.3,
            norm_aim=0.9,
            norm_weight=1.5,
        ),
    ),
    "selfish": Persona(
        description="You look after yourself first and want as much as you can get.",
        strategy=Strategy(
            effort=0.6, monitor=0.1, punish=0.1, norm_factor=2.0, keeps_agreements=0.2
        ),
    ),
    "neutral": Persona(
        description="You are an ordinary member of the community.",
        strategy=Strategy(effort=0.3, monitor=0.5, punish=0.5, norm_weight=1.0),
    ),
}


def persona_table() -> str:
    """The built-in personas' numbers as a Markdown table, one column per strategy field (the
    README shows this table; a test keeps the two equal)."""
    fields = list(Strategy.model_fields)
    lines = [
        "| persona | " + " | ".join(fields) + " |",
        "|---|" + "---:|" * len(fields),
    ]
    for name, persona in sorted(BUILTIN_PERSONAS.items()):
        values = persona.strategy.model_dump()
        lines.append(f"| `{name}` | " + " | ".join(f"{values[f]:g}" for f in fields) + " |")
    return "\n".join(lines) + "\n"


def personas_listing() -> str:
    """The built-in personas' numbers in one sentence (the schema's `personas` description)."""
    return "; ".join(
        f"{name}: "
        + ", ".join(f"{key} {value:g}" for key, value in persona.strategy.model_dump().items())
        for name, persona in sorted(BUILTIN_PERSONAS.items())
    )
