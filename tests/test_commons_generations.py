"""Generations in the commons (scenario section `generations:`): seats and turnover, what a
successor inherits, retired members, per-generation metrics, the rule-agent finding on paired
seeds, the scripted LLM through the real prompts, resume across a turnover, and the views."""

from __future__ import annotations

import asyncio
import json
import statistics
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from cli_in_process import society
from conftest import SCENARIOS

from society.analysis.metrics_file import compute_run_metrics
from society.coordinator.resume import resume_society
from society.coordinator.runner import run_society, run_society_sync
from society.coordinator.session import RunControl
from society.core.registry import game_of
from society.games.commons.generations import (
    LINEAGE_NOTE_MAX_CHARS,
    lineage_note,
    rule_notes,
)
from society.scenario import load_scenario
from society.scenario.loading import ScenarioError
from society.testing import ScriptedChatModel, ScriptedRequest, amount_reply, governance_reply
from society.transcript import read_events

GENERATIONS = SCENARIOS / "govsim" / "fishery-generations.yaml"
NOTHING = SCENARIOS / "govsim" / "fishery-generations-nothing.yaml"
SHORT = {"rounds": 12}  # two generations of 6 months


def of_kind(events: list[Any], kind: str) -> list[Any]:
    return [e for e in events if e.kind == kind]


def test_agents_take_core_seats_and_the_count_follows_the_rounds() -> None:
    scenario = load_scenario(GENERATIONS, SHORT)
    specs = game_of(scenario).agents(scenario)
    assert [s.id for s in specs] == [f"{g}_{s}" for g in (1, 2) for s in range(1, 6)]
    assert {s.id: s.joins_at for s in specs}["2_3"] == 7
    # --rounds changes the number of generations (here 30 rounds: 5 generations).
    longer = load_scenario(GENERATIONS, {"rounds": 30})
    assert len(game_of(longer).agents(longer)) == 25
    # A scenario without generations keeps its '<group>-<n>' agents.
    plain = load_scenario(SCENARIOS / "govsim" / "fishery.yaml")
    assert game_of(plain).agents(plain)[0].id == "fishers-1"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"generations": {"rounds_per_generation": 6, "count": 2}}, "exceed generations.count"),
        ({"generations": {"rounds_per_generation": 6, "inherit": ["norms", "norms"]}}, "listed twice"),
        ({"generations": {"rounds_per_generation": 6, "inherit": ["genes"]}}, "generations.inherit"),
        ({"generations": {"rounds_per_generation": 0}}, "rounds_per_generation"),
        ({"memory": {"enabled": False}}, "needs agents' memory"),
        ({"population": [{"name": "f", "count": 5, "persona": "neutral", "joins_at": 3}]}, "joins_at"),
    ],
)
def test_bad_generations_are_clear_errors(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ScenarioError, match=message):
        load_scenario(GENERATIONS, overrides)


@pytest.fixture(scope="module")
def memories_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    scenario = load_scenario(GENERATIONS, SHORT)
    return run_society_sync(scenario, tmp_path_factory.mktemp("gens")).run_dir


def test_elders_retire_and_successors_join_at_the_turnover(memories_run: Path) -> None:
    events = list(read_events(memories_run))
    turnover = of_kind(events, "generation_turnover")
    assert len(turnover) == 1 and turnover[0].round == 7
    t = turnover[0]
    assert t.retired == [f"1_{s}" for s in range(1, 6)]
    assert t.successors == {f"2_{s}": f"1_{s}" for s in range(1, 6)}
    assert t.inherit == ["memories"] and t.strategies == 0 and t.norm_reset
    assert [e.agent for e in of_kind(events, "agent_retired")] == t.retired
    assert not of_kind(events, "agent_died")  # retiring is not dying
    started = {e.round: e.alive for e in of_kind(events, "round_started")}
    assert started[6] == t.retired and started[7] == t.born
    # Retired members take no turn after their generation.
    late = {e.agent for e in of_kind(events, "decision") if e.round >= 7}
    assert late == set(t.born)


def test_memories_pass_on_marked_and_in_order(memories_run: Path) -> None:
    events = list(read_events(memories_run))
    t = of_kind(events, "generation_turnover")[0]
    assert all(0 < n <= 40 for n in t.memories.values())
    recalled = [
        e for e in of_kind(events, "memory_retrieved") if e.round == 7 and e.agent == "2_1"
    ]
    texts = [m.text for e in recalled for m in e.items]
    assert any(text.startswith("(inherited from 1_1) ") for text in texts)
    assert not any("(inherited from 1_2)" in text for text in texts)  # only its seat's elder


def test_the_same_seed_gives_the_same_bytes_across_a_turnover(memories_run: Path, tmp_path: Path) -> None:
    again = run_society_sync(load_scenario(GENERATIONS, SHORT), tmp_path).run_dir
    for name in ("events.jsonl", "metrics.json"):
        assert (again / name).read_bytes() == (memories_run / name).read_bytes()


def test_a_run_stopped_before_a_turnover_resumes_byte_identical(
    memories_run: Path, tmp_path: Path
) -> None:
    control = RunControl()

    def stop_at(number: int, headline: float) -> None:
        if number == 6:  # generation 1's last round: the turnover comes next
            control.request_stop()

    scenario = load_scenario(GENERATIONS, SHORT)
    stopped = asyncio.run(
        run_society(scenario, tmp_path, control=control, on_round_finished=stop_at)
    )
    assert not stopped.finished
    finished = asyncio.run(resume_society(stopped.run_dir))
    assert finished.finished
    for name in ("events.jsonl", "metrics.json"):
        assert (finished.run_dir / name).read_bytes() == (memories_run / name).read_bytes()


def test_per_generation_metrics_in_metrics_json_and_experiment_rows(memories_run: Path) -> None:
    document = json.loads((memories_run / "metrics.json").read_text())
    rows = document["extra"]["generations"]
    assert [r["generation"] for r in rows] == [1, 2]
    events = list(read_events(memories_run))
    harvests = {e.round: sum(e.harvested.values()) for e in of_kind(events, "harvest_resolved")}
    assert rows[0]["harvest"] == sum(v for r, v in harvests.items() if r <= 6)
    assert rows[1]["harvest"] == sum(v for r, v in harvests.items() if r > 6)
    assert rows[1]["stock_start"] == next(e.stock for e in of_kind(events, "round_started") if e.round == 7)
    assert rows[0]["survival"] == 6 and rows[0]["survived"]
    metrics = compute_run_metrics(events)
    run_row, _ = game_of(load_scenario(GENERATIONS, SHORT)).experiment_rows(events, metrics)
    assert run_row["generation_2_harvest"] == rows[1]["harvest"]
    assert run_row["generation_1_survival"] == 6.0


def test_runs_without_generations_have_no_generation_metrics(tmp_path: Path) -> None:
    scenario = load_scenario(SCENARIOS / "govsim" / "fishery.yaml", {"rounds": 2})
    run = run_society_sync(scenario, tmp_path).run_dir
    assert "extra" not in json.loads((run / "metrics.json").read_text())
    assert not any(e.kind in ("generation_turnover", "agent_retired") for e in read_events(run))


def _started_with(inherit: list[str], tmp_path: Path) -> tuple[dict[int, Any], list[Any]]:
    """Two generations of 6 rounds of the paper's rich, selfish commons, whose founders vote
    their norm up to 9 in round 1 (voting on)."""
    scenario = load_scenario(
        SCENARIOS / "paper" / "rich-selfish.yaml",
        {
            "rounds": 12,
            "seed": 3,
            "institutions": {"voting": {"enabled": True}},
            "generations": {"rounds_per_generation": 6, "inherit": inherit},
        },
    )
    run = run_society_sync(scenario, tmp_path).run_dir
    events = list(read_events(run))
    return {e.round: e for e in of_kind(events, "round_started")}, events


def test_norms_carry_over_only_when_inherited(tmp_path: Path) -> None:
    kept, kept_events = _started_with(["norms"], tmp_path / "kept")
    reset, reset_events = _started_with([], tmp_path / "reset")
    scenario_limit = 3.6  # scenarios/paper/_base.yaml
    assert kept[6].norm_limit != scenario_limit  # so the test can tell the two apart
    assert kept[7].norm_limit == kept[6].norm_limit  # the norm in force at the turnover
    assert reset[6].norm_limit == kept[6].norm_limit
    assert reset[7].norm_limit == scenario_limit
    assert of_kind(reset_events, "generation_turnover")[0].norm_reset
    assert not of_kind(kept_events, "generation_turnover")[0].norm_reset


def test_rule_agents_inheriting_strategies_over_use_less_on_paired_seeds(tmp_path: Path) -> None:
    """Rule learning teaches the elders to keep the norm (a lesson raises `comply` and pulls
    the habit toward the norm); a successor that inherits the strategy starts from that lesson,
    one that starts from its persona must learn it again while it over-harvests. So inheriting
    strategies cuts over-usage, and on this commons neither arm collapses, so survival is the
    same (scenarios/experiments/generations-inheritance.yaml, shortened to 40 rounds; before
    Bush–Mosteller learning, inherited greed shortened survival instead). Inheriting memories
    changes nothing for rule agents (the note)."""
    metrics: dict[str, list[dict[str, Any]]] = {}
    for inherit, seeds in (("nothing", 6), ("strategies", 6), ("memories", 3)):
        for seed in range(seeds):
            chosen = [] if inherit == "nothing" else [inherit]
            scenario = load_scenario(
                SCENARIOS / "paper" / "scarce-altruistic.yaml",
                {
                    "seed": seed,
                    "rounds": 40,
                    "generations": {"rounds_per_generation": 10, "inherit": chosen},
                },
            )
            run = run_society_sync(scenario, tmp_path / f"{inherit}-{seed}").run_dir
            metrics.setdefault(inherit, []).append(json.loads((run / "metrics.json").read_text()))

    def of(inherit: str, key: str) -> list[float]:
        return [m[key] for m in metrics[inherit]]

    diffs = [
        s - n
        for s, n in zip(of("strategies", "over_usage"), of("nothing", "over_usage"), strict=True)
    ]
    mean = statistics.fmean(diffs)
    half = 2.571 * statistics.stdev(diffs) / len(diffs) ** 0.5  # t(0.975, 5)
    assert mean + half < 0, (of("strategies", "over_usage"), of("nothing", "over_usage"))
    assert of("strategies", "survival_time") == of("nothing", "survival_time")
    assert of("memories", "survival_time") == of("nothing", "survival_time")[:3]
    assert of("memories", "over_usage") == of("nothing", "over_usage")[:3]


def test_validate_and_experiment_say_memories_cannot_change_rule_agents() -> None:
    scenario = load_scenario(GENERATIONS)
    assert any("cannot change rule agents" in n for n in rule_notes(scenario))
    assert rule_notes(load_scenario(NOTHING)) == []
    llm = load_scenario(GENERATIONS, {"model": {"name": "scripted:x"}})
    assert rule_notes(llm) == []
    experiment = SCENARIOS / "experiments" / "generations-inheritance.yaml"
    out = society(["validate", str(GENERATIONS), str(NOTHING), str(experiment)])
    assert out.code == 0
    assert out.stdout.count("cannot change rule agents") == 2
    assert "cells: generations-inheritance-memories, generations-inheritance-all" in out.stdout


def test_the_lineage_note_is_bounded() -> None:
    worst = {
        "elder": "9999_9999",
        "generation": 1000,
        "inherited": ["memories", "strategies", "norms"],
        "memories": 1000,
    }
    assert len(lineage_note(worst)) <= LINEAGE_NOTE_MAX_CHARS
    assert "start afresh" in lineage_note({**worst, "inherited": []})


def scripted(request: ScriptedRequest) -> str:
    found = governance_reply(request)
    if found is not None:
        return found
    if request.prompt_id == "harvest_amount":
        return amount_reply(4 + int(request.agent.split("_")[1]))
    if request.prompt_id == "town_hall_speak":
        return json.dumps({"text": "Ten each.", "proposed_limit": 10, "next_speaker": None})
    if request.prompt_id == "town_hall_summary":
        return json.dumps({"summary": "We agreed on ten each.", "agreed_limit": 10})
    if request.prompt_id == "reflect":
        return json.dumps({"insight": f"Round {request.round}: keep the lake.", "importance": 6})
    raise KeyError(request.prompt_id)


def test_a_scripted_llm_successor_is_told_what_it_inherited(tmp_path: Path) -> None:
    scenario = load_scenario(
        GENERATIONS,
        {
            "rounds": 4,
            "generations": {"rounds_per_generation": 2, "inherit": ["memories"]},
            "model": {"name": "scripted:gens"},
        },
    )
    fake = ScriptedChatModel(responder=scripted)
    result = asyncio.run(
        run_society(scenario, tmp_path, chat_model_factory=lambda spec: fake, backoff_s=0)
    )
    events = list(read_events(result.run_dir))
    assert not of_kind(events, "decision_failed")
    # Calls per agent-round are those of a run without generations: the turnover calls nobody.
    per_round = Counter((r.round, r.agent) for r in fake.requests)
    plain = load_scenario(SCENARIOS / "govsim" / "fishery.yaml", {"rounds": 4, "model": {"name": "scripted:gens"}})
    fake_plain = ScriptedChatModel(responder=scripted)
    asyncio.run(
        run_society(plain, tmp_path / "plain", chat_model_factory=lambda spec: fake_plain, backoff_s=0)
    )
    plain_round = Counter((r.round, r.agent) for r in fake_plain.requests)
    assert sorted(per_round.values()) == sorted(plain_round.values())
    successor = next(r for r in fake.requests if r.agent == "2_1" and r.prompt_id == "harvest_amount")
    text = "\n".join(m.content for m in successor.messages)
    assert "you have taken over from 1_1, who retired" in text
    assert "of their memories (marked 'inherited from 1_1')" in text
    assert "(inherited from 1_1)" in text  # an inherited memory, recalled into the prompt
    founder = next(r for r in fake.requests if r.agent == "1_1")
    assert "taken over" not in "\n".join(m.content for m in founder.messages)


def test_inspect_and_report_show_the_turnover(memories_run: Path, tmp_path: Path) -> None:
    out = society(["inspect", str(memories_run), "--round", "7"])
    assert out.code == 0
    assert "generation 2 takes over: 5 retired" in out.stdout
    assert "inherited: memories" in out.stdout
    whole = society(["inspect", str(memories_run)])
    assert whole.code == 0 and "Round 7:  generation 2 takes over" in whole.stdout
    from society.games.commons.report_data import build_run_data

    events = list(read_events(memories_run))
    data = build_run_data(events, {}, compute_run_metrics(events))
    rounds = {r["r"]: r for r in data.core["rounds"]}
    assert rounds[7]["turnover"]["born"][0] == "2_1"
    assert "turnover" not in rounds[6]


class _Writer:
    def __init__(self) -> None:
        self.events: list[Any] = []

    def write(self, event: Any) -> Any:
        stamped = event.model_copy(update={"seq": len(self.events)})
        self.events.append(stamped)
        return stamped


@pytest.mark.parametrize("inherit", [[], ["strategies"], ["norms"], ["strategies", "norms"]])
def test_a_successor_takes_over_exactly_what_is_inherited(inherit: list[str]) -> None:
    from types import SimpleNamespace

    from society.games.commons.generations import turnover
    from society.games.commons.setup import initial_state

    scenario = load_scenario(
        GENERATIONS, {"generations": {"rounds_per_generation": 6, "inherit": inherit}}
    )
    state = dict(initial_state(scenario, game_of(scenario).agents(scenario)))
    agents = {name: {**r, "strategy": dict(r["strategy"])} for name, r in state["agents"].items()}
    persona_default = dict(agents["2_1"]["strategy"])
    learned = {**persona_default, "effort": 0.77, "norm": 3.25, "text": "Catch little in spring."}
    agents["1_1"]["strategy"] = learned
    agents["1_2"]["alive"] = False  # died in its generation: no retirement, a successor still
    state["norm"] = {"text": "Four each.", "limit": 4.0, "proposer": "1_3", "adopted_round": 5}
    deps = SimpleNamespace(scenario=scenario, writer=_Writer(), memory=None, mind_sources={})
    update = turnover(state, agents, 7, deps)
    got = agents["2_1"]["strategy"]
    if "strategies" in inherit:
        assert got["effort"] == 0.77 and got["text"] == "Catch little in spring."
    else:
        assert got["effort"] == persona_default["effort"] and got["text"] == ""
    if "norms" in inherit:
        assert got["norm"] == 3.25 and update["norm"]["limit"] == 4.0
    else:
        assert got["norm"] == persona_default["norm"]
        assert update["norm"]["limit"] == scenario.norm.limit
        assert update["norm"]["text"] == scenario.norm.text
    retired = [e.agent for e in deps.writer.events if e.kind == "agent_retired"]
    assert retired == ["1_1", "1_3", "1_4", "1_5"]
    assert agents["1_1"]["retired"] == 7 and not agents["1_1"]["alive"]
    assert "retired" not in agents["1_2"]
    t = deps.writer.events[-1]
    assert t.kind == "generation_turnover" and t.born == [f"2_{s}" for s in range(1, 6)]
    assert t.strategies == (5 if "strategies" in inherit else 0)
    assert agents["2_1"]["lineage"] == {
        "elder": "1_1",
        "generation": 2,
        "inherited": inherit,
        "memories": 0,
    }
