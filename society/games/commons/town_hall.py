"""GovSim's town hall: a sequential discussion, then every member notes any agreed limit.

The discussion opens with everyone's catch of this round; each speaker names the next (one
who has not spoken yet, or nobody to close); at most `max_utterances` turns. Then every
member writes down a summary and the agreed per-member limit, kept in mind next round."""

from __future__ import annotations

from typing import Any

from society.coordinator.deps import CoordinatorDeps, decided
from society.core.rng import derive_rng
from society.games.commons.events import AgreementNoted, TownHallOpened, UtteranceMade
from society.games.commons.state import SocietyState, alive, copy_agents


def open_town_hall(state: SocietyState, deps: CoordinatorDeps) -> dict[str, Any]:
    members = alive(state)
    if not members:
        return {"town_hall": {}}
    first = derive_rng(deps.scenario.seed, state["round"], "town_hall").choice(members)
    report = deps.scenario.institutions.town_hall.report_catches
    catches = {a: state["agents"][a]["news"]["harvest"] or 0.0 for a in members} if report else None
    deps.writer.write(TownHallOpened(round=state["round"], catches=catches, first_speaker=first))
    return {"town_hall": {"catches": catches, "transcript": [], "speaker": first, "spoken": []}}


def speak_context(state: SocietyState, agent: str, deps: CoordinatorDeps) -> dict[str, Any]:
    hall = state["town_hall"]
    members = alive(state)
    left = deps.scenario.institutions.town_hall.max_utterances - len(hall["transcript"])
    return {
        "catches": hall["catches"],
        "transcript": hall["transcript"],
        "peers": [a for a in members if a != agent],
        "not_spoken": [a for a in members if a != agent and a not in hall["spoken"]],
        "turns_left": left - 1,
        "max_chars": deps.scenario.institutions.gossip.max_chars,
    }


def resolve_utterance(state: SocietyState, deps: CoordinatorDeps) -> dict[str, Any]:
    """Record the turn and pick the next speaker; a failed turn closes the discussion."""
    if stop := deps.write_outcomes(state["outcomes"]):
        return {"end_reason": stop}
    hall = dict(state["town_hall"])
    speaker = hall["speaker"]
    said = decided(state["outcomes"]).get(speaker)
    limit = deps.scenario.institutions.town_hall.max_utterances
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


def summary_context(state: SocietyState, agent: str, deps: CoordinatorDeps) -> dict[str, Any]:
    hall = state["town_hall"]
    return {"catches": hall["catches"], "transcript": hall["transcript"]}


def resolve_summaries(state: SocietyState, deps: CoordinatorDeps) -> dict[str, Any]:
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
