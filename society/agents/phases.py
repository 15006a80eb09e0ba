"""The phases an agent acts in: which prompt and which decision type each one uses."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from society.agents.decisions import (
    HARVEST_DECISIONS,
    Agreement,
    DecisionModel,
    Proposal,
    Reflection,
    Respond,
    Revision,
    RuleUpdate,
    Utterance,
    Vote,
)
from society.agents.observation import Observation


@dataclass(frozen=True)
class PhaseSpec:
    name: str
    prompt_id: Callable[[Observation], str]
    decision_type: Callable[[Observation, str], type[DecisionModel]]  # (view, mind source)


PHASES: dict[str, PhaseSpec] = {
    spec.name: spec
    for spec in (
        PhaseSpec(
            "harvest",
            lambda v: f"harvest_{v.harvest_mode}",
            lambda v, _: HARVEST_DECISIONS[v.harvest_mode],
        ),
        PhaseSpec("respond", lambda v: "respond", lambda v, _: Respond),
        PhaseSpec("speak", lambda v: "town_hall_speak", lambda v, _: Utterance),
        PhaseSpec("summarize", lambda v: "town_hall_summary", lambda v, _: Agreement),
        PhaseSpec("propose", lambda v: "propose", lambda v, _: Proposal),
        PhaseSpec("vote", lambda v: "vote", lambda v, _: Vote),
        # LLM agents' end-of-round insight when social learning (which carries it) is off.
        PhaseSpec("reflect", lambda v: "reflect", lambda v, _: Reflection),
        # Rule-based agents update their numeric strategy tuple; LLM agents revise in words.
        PhaseSpec(
            "learn",
            lambda v: "learn",
            lambda v, source: RuleUpdate if source == "rules" else Revision,
        ),
    )
}


def phase(name: str) -> PhaseSpec:
    try:
        return PHASES[name]
    except KeyError:
        raise ValueError(f"unknown phase {name!r}; known: {', '.join(PHASES)}") from None
