"""GovSim's town hall and interventions through the real graphs."""

from __future__ import annotations

import asyncio
import itertools
import json
from pathlib import Path

from conftest import scenario

from society.coordinator.runner import run_society, run_society_sync
from society.games.commons.events import (
    AgreementNoted,
    HarvestResolved,
    RoundStarted,
    TownHallOpened,
    UtteranceMade,
)
from society.testing import ScriptedChatModel, ScriptedRequest
from society.transcript import AgentJoined, LLMCall, read_events


def test_rule_town_hall_opens_with_catches_and_ends_with_notes(tmp_path: Path) -> None:
    s = scenario("govsim/fishery.yaml", rounds=2)
    events = list(read_events(run_society_sync(s, tmp_path).run_dir))
    opened = [e for e in events if isinstance(e, TownHallOpened)]
    assert len(opened) == 2
    harvest = next(e for e in events if isinstance(e, HarvestResolved) and e.round == 1)
    assert opened[0].catches == harvest.harvested
    utterances = [e for e in events if isinstance(e, UtteranceMade) and e.round == 1]
    assert utterances[0].speaker == opened[0].first_speaker
    speakers = [u.speaker for u in utterances]
    assert len(speakers) == len(set(speakers)) <= 10  # each named speaker is new
    for before, after in itertools.pairwise(utterances):
        assert before.next_speaker == after.speaker
    notes = [e for e in events if isinstance(e, AgreementNoted) and e.round == 1]
    assert len(notes) == 5 and all(n.agreed_limit is not None for n in notes)


def test_llm_town_hall_rejects_an_absent_next_speaker(tmp_path: Path) -> None:
    def replies(request: ScriptedRequest) -> str:
        if request.prompt_id == "harvest_amount":
            return json.dumps({"amount": 5, "inspect": None, "rationale": "r"})
        if request.prompt_id == "town_hall_speak":
            if request.index == 0 and request.attempt == 1:
                return json.dumps(
                    {"text": "Hello", "proposed_limit": 7, "next_speaker": "the-mayor"}
                )
            return json.dumps(
                {"text": "Let us take 7 each.", "proposed_limit": 7, "next_speaker": None}
            )
        if request.prompt_id == "town_hall_summary":
            return json.dumps({"summary": "We agreed on 7 each.", "agreed_limit": 7})
        if request.prompt_id == "learn":
            return json.dumps(
                {"followed": None, "strategy": "s", "personal_limit": 7, "rationale": "r"}
            )
        raise AssertionError(request.prompt_id)

    s = scenario("govsim/fishery-universalization.yaml", rounds=2, model="scripted:th")
    fake = ScriptedChatModel(responder=replies)
    result = asyncio.run(
        run_society(s, tmp_path, chat_model_factory=lambda spec: fake, backoff_s=0)
    )
    events = list(read_events(result.run_dir))
    speak_calls = [
        e
        for e in events
        if isinstance(e, LLMCall) and e.prompt_id == "town_hall_speak" and e.round == 1
    ]
    assert "'next_speaker' must be null or one of" in (speak_calls[0].error or "")
    assert len([e for e in events if isinstance(e, UtteranceMade) and e.round == 1]) == 1
    notes = [e for e in events if isinstance(e, AgreementNoted) and e.round == 1]
    assert {n.agreed_limit for n in notes} == {7.0}
    # Next round, the note and the universalization reminder are in the harvest prompt.
    prompt = (
        next(
            e
            for e in events
            if isinstance(e, LLMCall) and e.prompt_id == "harvest_amount" and e.round == 2
        )
        .messages[-1]
        .content
    )
    assert "We agreed on 7 each." in prompt and "agreed limit: 7" in prompt
    assert "if every member took more than 10 tons each round" in prompt


def test_greedy_newcomer_joins_later(tmp_path: Path) -> None:
    s = scenario("govsim/fishery-greedy-newcomer.yaml", rounds=5)
    events = list(read_events(run_society_sync(s, tmp_path).run_dir))
    joined = [e for e in events if isinstance(e, AgentJoined)]
    assert [(e.round, e.agent) for e in joined] == [(4, "newcomer-1")]
    for started in (e for e in events if isinstance(e, RoundStarted)):
        assert ("newcomer-1" in started.alive) == (started.round >= 4)
    harvests = {e.round: e.harvested for e in events if isinstance(e, HarvestResolved)}
    assert "newcomer-1" not in harvests[3] and harvests[4]["newcomer-1"] > harvests[4]["fishers-1"]
