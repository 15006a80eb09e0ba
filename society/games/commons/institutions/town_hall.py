"""GovSim's town hall [G]: after the harvest, a sequential discussion opened with a report of
everyone's catch; each speaker names the next (one who has not spoken yet, or nobody to
close), at most `max_utterances` turns; then every member writes down a summary and any agreed
per-member limit, which it keeps in mind next round (Ostrom 1990, principle 3, collective
choice, in words rather than by vote).

Rule agents propose their personal norm and pass the word to a random member who has not
spoken; their note is the median of the limits proposed [O]."""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, Literal

from pydantic import Field, ValidationInfo, field_validator

from society.core.decision import TEXT_MAX, Choice, DecisionModel, Limit, context_of
from society.core.institution import Institution
from society.core.settings import Strict
from society.games.commons.institutions._commons import CommonsTurn, number, of_kind
from society.games.commons.institutions.gossip import within_max_chars
from society.transcript.events import Event

NAME = "town_hall"


class TownHall(Strict):
    """GovSim's town-hall discussion after the harvest: opened with a report of everyone's
    catch; each speaker names the next; then every member writes down a summary and any
    agreed per-member limit, which it keeps in mind next round [G]."""

    enabled: bool = Field(False, description="Hold a town-hall discussion every round [G].")
    max_utterances: int = Field(10, ge=1, le=100, description="Utterances per discussion [G: 10].")
    report_catches: bool = Field(True, description="Open with everyone's catch of this round [G].")


# --- events ------------------------------------------------------------------------------------


class TownHallOpened(Event):
    kind: Literal["town_hall_opened"] = "town_hall_opened"
    catches: dict[str, float] | None
    first_speaker: str


class UtteranceMade(Event):
    kind: Literal["utterance"] = "utterance"
    speaker: str
    text: str
    proposed_limit: float | None
    next_speaker: str | None


class AgreementNoted(Event):
    """What an agent wrote down after the town hall; it keeps it in mind next round."""

    kind: Literal["agreement"] = "agreement"
    agent: str
    summary: str
    agreed_limit: float | None


# --- decisions ---------------------------------------------------------------------------------


class Utterance(DecisionModel):
    """One turn in the town hall: what the speaker says and who speaks next."""

    text: str = Field(min_length=1, max_length=TEXT_MAX, description="What you say to everyone.")
    proposed_limit: float | None = Field(
        None, ge=0.0, description="A per-member limit you propose, in resource units, or null."
    )
    next_speaker: str | None = Field(
        None, description="Who speaks next, or null to end the discussion."
    )

    @classmethod
    def choices(cls, context: dict[str, Any]) -> tuple[Choice, ...]:
        present = context.get("peers")
        return () if present is None else ((("next_speaker",), (*present, None)),)

    @classmethod
    def limits(cls, context: dict[str, Any]) -> tuple[Limit, ...]:
        chars = context.get("max_chars")
        return () if chars is None else ((("text",), (("maxLength", chars),)),)

    @field_validator("text")
    @classmethod
    def _short_enough(cls, text: str, info: ValidationInfo) -> str:
        return within_max_chars(text, info)

    @field_validator("next_speaker")
    @classmethod
    def _present(cls, speaker: str | None, info: ValidationInfo) -> str | None:
        if speaker in (None, ""):
            return None
        present = context_of(info).get("peers")
        if present is not None and speaker not in present:
            raise ValueError(f"'next_speaker' must be null or one of: {', '.join(present)}")
        return speaker


class Agreement(DecisionModel):
    """What a member writes down after the town hall."""

    summary: str = Field(
        min_length=1, max_length=600, description="The discussion in two or three sentences."
    )
    agreed_limit: float | None = Field(
        None,
        ge=0.0,
        description="The per-member limit the group agreed on, in resource units, or null if none.",
    )


# --- rule policies -----------------------------------------------------------------------------


def rule_speak(view: Any, context: dict[str, Any], rng: random.Random) -> Utterance:
    norm = view.strategy.norm
    limit = float(math.floor(norm)) if view.harvest_mode == "amount" else round(norm, 2)
    took = view.news.harvest if view.news is not None else None
    opening = f"I took {took:g} {view.resource.unit}. " if took is not None else ""
    waiting = context.get("not_spoken", [])
    return Utterance(
        text=f"{opening}I propose that each of us takes at most {limit:g} {view.resource.unit}.",
        proposed_limit=limit,
        next_speaker=rng.choice(waiting) if waiting else None,
    )


def rule_summarize(context: dict[str, Any]) -> Agreement:
    proposed = sorted(
        u["proposed_limit"]
        for u in context.get("transcript", [])
        if u["proposed_limit"] is not None
    )
    if not proposed:
        return Agreement(summary="No limit was proposed.", agreed_limit=None)
    half = len(proposed) // 2
    median = proposed[half] if len(proposed) % 2 else (proposed[half - 1] + proposed[half]) / 2
    listed = ", ".join(f"{value:g}" for value in proposed)
    return Agreement(
        summary=f"Limits proposed: {listed}; the median is {median:g}.", agreed_limit=median
    )


# --- contexts and resolutions ------------------------------------------------------------------


def _settings(deps: Any) -> TownHall:
    return getattr(deps.scenario.institutions, NAME)


def _alive(state: Mapping[str, Any]) -> list[str]:
    from society.core.state import alive

    return alive(state)


def open_town_hall(state: Mapping[str, Any], deps: Any) -> dict[str, Any]:
    from society.core.rng import derive_rng

    members = _alive(state)
    if not members:
        return {"town_hall": {}}
    first = derive_rng(deps.scenario.seed, state["round"], "town_hall").choice(members)
    report = _settings(deps).report_catches
    catches = {a: state["agents"][a]["news"]["harvest"] or 0.0 for a in members} if report else None
    deps.writer.write(TownHallOpened(round=state["round"], catches=catches, first_speaker=first))
    return {"town_hall": {"catches": catches, "transcript": [], "speaker": first, "spoken": []}}


def speak_context(state: Mapping[str, Any], agent: str, deps: Any) -> dict[str, Any]:
    hall = state["town_hall"]
    members = _alive(state)
    left = _settings(deps).max_utterances - len(hall["transcript"])
    return {
        "catches": hall["catches"],
        "transcript": hall["transcript"],
        "peers": [a for a in members if a != agent],
        "not_spoken": [a for a in members if a != agent and a not in hall["spoken"]],
        "turns_left": left - 1,
        "max_chars": deps.scenario.institutions.gossip.max_chars,
    }


def resolve_utterance(state: Mapping[str, Any], deps: Any) -> dict[str, Any]:
    """Record the turn and pick the next speaker; a failed turn closes the discussion."""
    from society.coordinator.deps import decided

    if stop := deps.write_outcomes(state["outcomes"]):
        return {"end_reason": stop}
    hall = dict(state["town_hall"])
    speaker = hall["speaker"]
    said = decided(state["outcomes"]).get(speaker)
    limit = _settings(deps).max_utterances
    spoken = [*hall["spoken"], speaker]
    if said is None:
        return {"town_hall": {**hall, "spoken": spoken, "speaker": None}}
    deps.writer.write(
        UtteranceMade(
            round=state["round"],
            speaker=speaker,
            text=said["text"],
            proposed_limit=said["proposed_limit"],
            next_speaker=said["next_speaker"],
        )
    )
    transcript = [
        *hall["transcript"],
        {"speaker": speaker, "text": said["text"], "proposed_limit": said["proposed_limit"]},
    ]
    following = said["next_speaker"] if len(transcript) < limit else None
    return {"town_hall": {**hall, "transcript": transcript, "spoken": spoken, "speaker": following}}


def summary_context(state: Mapping[str, Any], agent: str, deps: Any) -> dict[str, Any]:
    hall = state["town_hall"]
    return {"catches": hall["catches"], "transcript": hall["transcript"]}


def resolve_summaries(state: Mapping[str, Any], deps: Any) -> dict[str, Any]:
    from society.coordinator.deps import decided
    from society.games.commons.state import copy_agents

    if stop := deps.write_outcomes(state["outcomes"]):
        return {"end_reason": stop}
    agents = copy_agents(state)
    for agent, note in decided(state["outcomes"]).items():
        deps.writer.write(
            AgreementNoted(
                round=state["round"],
                agent=agent,
                summary=note["summary"],
                agreed_limit=note["agreed_limit"],
            )
        )
        agents[agent]["agreement"] = {"round": state["round"], **note}
    return {"agents": agents, "town_hall": {}}


# --- the phases --------------------------------------------------------------------------------


class _TownHallTurn(CommonsTurn):
    def enabled(self, scenario: Any) -> bool:
        return bool(getattr(scenario.institutions, NAME).enabled)


class OpenTownHall(_TownHallTurn):
    """GovSim's town hall opens with everyone's catch and a first speaker drawn."""

    name: ClassVar[str] = "town_hall"
    node: ClassVar[str] = "open_town_hall"
    turns: ClassVar[bool] = False
    requires: ClassVar[frozenset[str]] = frozenset({"harvests"})
    produces: ClassVar[frozenset[str]] = frozenset({"town_hall"})

    def resolve(self, state: Any, deps: Any) -> dict[str, Any]:
        return open_town_hall(state, deps)


class Speak(_TownHallTurn):
    """One speaker at a time, each naming the next, up to the scenario's number of turns."""

    name: ClassVar[str] = "speak"
    node: ClassVar[str] = "resolve_utterance"
    repeats: ClassVar[bool] = True
    resolve_when_idle: ClassVar[bool] = False
    requires: ClassVar[frozenset[str]] = frozenset({"town_hall"})
    produces: ClassVar[frozenset[str]] = frozenset({"utterances"})

    def actors(self, state: Any, deps: Any) -> list[str]:
        speaker = state["town_hall"].get("speaker")
        return [speaker] if speaker else []

    def context(self, state: Any, agent: str, deps: Any) -> dict[str, Any]:
        return speak_context(state, agent, deps)

    def resolve(self, state: Any, deps: Any) -> dict[str, Any]:
        return resolve_utterance(state, deps)

    def steps(self, scenario: Any) -> int:
        return 2 * getattr(scenario.institutions, NAME).max_utterances

    def prompt_id(self, view: Any) -> str:
        return "town_hall_speak"

    def decision_type(self, view: Any, source: str) -> type[DecisionModel]:
        return Utterance

    def rule(self, request: Any, rng: random.Random) -> DecisionModel:
        return rule_speak(request.observation, request.context, rng)


class Summarize(_TownHallTurn):
    """Every member notes a summary and any agreed per-member limit."""

    name: ClassVar[str] = "summarize"
    node: ClassVar[str] = "resolve_summaries"
    requires: ClassVar[frozenset[str]] = frozenset({"town_hall"})
    produces: ClassVar[frozenset[str]] = frozenset({"agreements"})

    def actors(self, state: Any, deps: Any) -> list[str]:
        return _alive(state)

    def context(self, state: Any, agent: str, deps: Any) -> dict[str, Any]:
        return summary_context(state, agent, deps)

    def resolve(self, state: Any, deps: Any) -> dict[str, Any]:
        return resolve_summaries(state, deps)

    def prompt_id(self, view: Any) -> str:
        return "town_hall_summary"

    def decision_type(self, view: Any, source: str) -> type[DecisionModel]:
        return Agreement

    def rule(self, request: Any, rng: random.Random) -> DecisionModel:
        return rule_summarize(request.context)


# --- memory, inspect, report -------------------------------------------------------------------


def _remember_utterance(event: UtteranceMade, state: Mapping[str, Any], keeper: Any) -> list[Any]:
    proposal = (
        f" (proposes {number(event.proposed_limit)})" if event.proposed_limit is not None else ""
    )
    text = f"Town hall: {event.speaker} said «{event.text}»{proposal}"
    members = keeper.members(state, event.round)
    return [keeper.item(a, event, "message", text, 0.5) for a in members if a != event.speaker]


def _remember_agreement(event: AgreementNoted, state: Mapping[str, Any], keeper: Any) -> list[Any]:
    agreed = (
        f" Agreed limit: {number(event.agreed_limit)} {keeper.unit}."
        if event.agreed_limit is not None
        else " No limit was agreed."
    )
    text = f"My town-hall note: «{event.summary}»{agreed}"
    return [keeper.item(event.agent, event, "agreement", text, 0.9, pinned=True)]


def _inspect(console: Any, events: Sequence[Any]) -> None:
    from rich.markup import escape

    opened = next(iter(of_kind(events, "town_hall_opened")), None)
    if opened is None:
        return
    console.print(f"[bold]Town hall[/] (opened by {opened.first_speaker})", highlight=False)
    if opened.catches is not None:
        catches = ", ".join(f"{a} {c:g}" for a, c in opened.catches.items())
        console.print(f"  catches: {catches}", highlight=False)
    for u in of_kind(events, "utterance"):
        proposal = f" [proposes {u.proposed_limit:g}]" if u.proposed_limit is not None else ""
        console.print(f"  {u.speaker}: «{escape(u.text)}»{escape(proposal)}", highlight=False)
    agreements = of_kind(events, "agreement")
    agreed = sorted({a.agreed_limit for a in agreements if a.agreed_limit is not None})
    if agreements:
        console.print(
            f"  noted agreed limit(s): {', '.join(f'{x:g}' for x in agreed) or 'none'}",
            highlight=False,
        )


def _report(events: Sequence[Any]) -> dict[str, Any]:
    opened = next(iter(of_kind(events, "town_hall_opened")), None)
    return {
        "town_hall": (
            {"first": opened.first_speaker, "catches": opened.catches} if opened else None
        ),
        "utterances": [[u.speaker, u.text, u.proposed_limit] for u in of_kind(events, "utterance")],
        "agreements": [[a.agent, a.summary, a.agreed_limit] for a in of_kind(events, "agreement")],
    }


INSTITUTION = Institution(
    name=NAME,
    settings=TownHall,
    phases=(OpenTownHall(), Speak(), Summarize()),
    after="respond",
    games=("commons",),
    events=(TownHallOpened, UtteranceMade, AgreementNoted),
    memories={"utterance": _remember_utterance, "agreement": _remember_agreement},
    prompts=("town_hall_speak", "town_hall_summary"),
    ostrom_principle=3,
    dump_position=0,
    inspect_section=_inspect,
    report_round=_report,
    listed_when_off=True,
)
