"""Elections and the commons' offices: placed at the round's start, rule runs with roles
recomputable from the transcript, a scripted LLM through the real prompts (bad replies
re-asked, then recorded failures), bounded prompts, the monitor role, the conformance kit, and
the rule baseline on paired seeds (an elected leader against none)."""

from __future__ import annotations

import asyncio
import json
import random
import re
from collections import Counter
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from conftest import SCENARIOS

from society.analysis.stats import mean_ci
from society.coordinator.runner import run_society, run_society_sync
from society.core import roles
from society.core.registry import game_of
from society.institutions.elections import ElectionVote, rule_ballot, tally
from society.prompts import PromptLibrary
from society.scenario import ScenarioError, load_scenario
from society.testing import ScriptedChatModel, ScriptedRequest, check_institution
from society.tokens import count_messages
from society.transcript import read_events

LEADER = SCENARIOS / "govsim/fishery-elected-leader.yaml"
CONCORDIA = SCENARIOS / "govsim/fishery-concordia-election.yaml"
WARDEN = SCENARIOS / "govsim/fishery-monitor-role.yaml"
EXPERIMENT = SCENARIOS / "experiments/elected-leader.yaml"


def of_kind(events: list[Any], kind: str) -> list[Any]:
    return [e for e in events if e.kind == kind]


def metrics_of(run_dir: Path) -> dict[str, Any]:
    return json.loads((run_dir / "metrics.json").read_text())


def test_the_election_and_the_leaders_limit_open_the_round() -> None:
    s = load_scenario(LEADER)
    order = game_of(s).default_round(s)
    assert order[:4] == ["campaign", "elect", "set_limit", "harvest"]
    off = load_scenario(SCENARIOS / "govsim/fishery.yaml")
    assert not {"campaign", "elect", "set_limit"} & set(game_of(off).default_round(off))


def test_rule_fishers_elect_a_leader_each_term_who_sets_the_limit(tmp_path: Path) -> None:
    run_dir = run_society_sync(load_scenario(LEADER), tmp_path).run_dir
    events = list(read_events(run_dir))
    held = of_kind(events, "election")
    assert [e.round for e in held] == [1, 5, 9]  # term 4
    assert all(len(e.votes) == 5 and len(e.candidates) == 5 for e in held)
    by_round = roles.holder_by_round(events, "leader")
    assert sorted(by_round) == list(range(1, 13))
    for e in held:  # the winner holds the role for its term, as the transcript says
        assert all(by_round[r] == [e.winner] for r in range(e.round, e.term_until + 1))
    limits = of_kind(events, "limit_set")
    assert [e.leader for e in limits] == [by_round[e.round][0] for e in limits]
    started = {e.round: e for e in of_kind(events, "round_started")}
    # The leader's limit is the norm in force from its round on (a neutral fisher's own norm).
    assert all(e.limit == pytest.approx(10.0) for e in limits)
    assert started[2].norm_limit == limits[0].limit
    metrics = metrics_of(run_dir)
    elections = metrics["institutions"]["elections"]
    assert elections["elections"] == 3 and elections["winners"] == [e.winner for e in held]
    same = sum(1 for a, b in pairwise(held) if a.winner == b.winner)
    assert elections["reelection_rate"] == pytest.approx(same / 2)
    assert elections["turnover"] == pytest.approx(1 - same / 2)
    offices = metrics["institutions"]["offices"]
    assert offices["leader_rounds"] == 12 and offices["leader_kept_limit_rate"] == 1.0
    # The same seed gives the same transcript.
    again = run_society_sync(load_scenario(LEADER), tmp_path / "again").run_dir
    assert (again / "events.jsonl").read_bytes() == (run_dir / "events.jsonl").read_bytes()


def test_a_concordia_like_election_is_held_once_between_two_candidates(tmp_path: Path) -> None:
    events = list(read_events(run_society_sync(load_scenario(CONCORDIA), tmp_path).run_dir))
    [declared] = of_kind(events, "candidates_declared")
    assert list(declared.statements) == ["conservationist-1", "developer-1"]
    assert "set the limit at 8 tons" in declared.statements["conservationist-1"]
    [held] = of_kind(events, "election")
    # Neutral voters (norm 10) choose the pledge closest to theirs: 8 over the developer's 20.
    assert held.winner == "conservationist-1" and held.counts["conservationist-1"] >= 4
    assert held.term_until == 12
    assert {e.limit for e in of_kind(events, "limit_set")} == {8.0}


def test_volunteers_decide_whether_to_stand(tmp_path: Path) -> None:
    def run(rate: float, out: str) -> list[Any]:
        s = load_scenario(
            LEADER,
            {
                "rounds": 4,
                # Overriding `institutions` replaces the preset's, town hall included: no catches are
                # revealed, so agents are not told they are.
                "information": {"others_actions": False},
                "institutions": {
                    "elections": {
                        "enabled": True,
                        "candidates": "volunteers",
                        "volunteer_rate": rate,
                    },
                    "offices": {"enabled": True},
                },
            },
        )
        return list(read_events(run_society_sync(s, tmp_path / out).run_dir))

    nobody = run(0.0, "none")
    [declared] = of_kind(nobody, "candidates_declared")
    assert declared.statements == {} and len(declared.declined) == 5
    # Nobody stood: no vote, no leader, the norm stays as the scenario gives it.
    assert not of_kind(nobody, "election") and not of_kind(nobody, "limit_set")
    half = run(0.5, "half")
    [declared] = of_kind(half, "candidates_declared")
    assert 0 < len(declared.statements) < 5
    assert set(of_kind(half, "election")[0].candidates) == set(declared.statements)


def test_the_tally_is_plurality_with_a_seeded_tie_break() -> None:
    counts, winner, tied = tally(["a", "b", "c"], {"x": "a", "y": "b", "z": "c"}, random.Random(3))
    assert counts == {"a": 1, "b": 1, "c": 1} and tied == ["a", "b", "c"]
    assert winner == tally(["a", "b", "c"], {"x": "a", "y": "b", "z": "c"}, random.Random(3))[1]
    assert {tally(["a", "b"], {"x": "a", "y": "b"}, random.Random(s))[1] for s in range(20)} == {
        "a",
        "b",
    }
    assert tally(["a", "b"], {"x": "b", "y": "b", "z": "a"}, random.Random(0))[1:] == ("b", ["b"])
    assert tally(["a"], {}, random.Random(0))[1] is None  # no vote: nobody elected


def test_rule_voters_follow_their_policy() -> None:
    candidates = {
        "a": {"pledge": 8.0, "cooperation": 2.0},
        "b": {"pledge": 20.0, "cooperation": -5.0},
        "c": {"pledge": 12.0, "cooperation": None},
    }
    close = {"candidates": candidates, "rule_vote": "closest_pledge", "own_pledge": 13.0}
    assert rule_ballot(close, random.Random(0)).candidate == "c"
    best = {**close, "rule_vote": "most_cooperative"}
    assert rule_ballot(best, random.Random(0)).candidate == "a"


def test_a_vote_for_someone_not_standing_is_rejected() -> None:
    context = {"candidates": {"a": {}, "b": {}}}
    with pytest.raises(ValueError, match="vote for one of: a, b"):
        ElectionVote.model_validate({"candidate": "z", "rationale": "x"}, context=context)


def test_only_the_warden_inspects_and_pays(tmp_path: Path) -> None:
    run_dir = run_society_sync(load_scenario(WARDEN), tmp_path).run_dir
    events = list(read_events(run_dir))
    inspections = of_kind(events, "inspection")
    assert inspections and {i.monitor for i in inspections} == {"warden-1"}
    assert all(i.cost == 1 for i in inspections)
    offices = metrics_of(run_dir)["institutions"]["offices"]
    assert offices["inspections"] == offices["inspections_by_holders"] == len(inspections)
    # Without the role everyone with a propensity to monitor inspects.
    free = load_scenario(
        WARDEN,
        {
            "institutions": {"monitoring": {"enabled": True, "cost": 1}},
            "information": {"others_actions": False},  # the town hall is replaced: off
        },
    )
    others = of_kind(
        list(read_events(run_society_sync(free, tmp_path / "free").run_dir)), "inspection"
    )
    assert {i.monitor for i in others} - {"warden-1"}


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"institutions": {"offices": {"enabled": True, "monitor": "monitor"}}},
            "institutions.offices.monitor: a monitor role needs monitoring",
        ),
        (
            {"institutions": {"elections": {"enabled": True, "candidates": "groups"}}},
            "institutions.elections.groups: candidates: groups needs",
        ),
        (
            {"institutions": {"elections": {"enabled": True, "rule_statement": "I {promise}"}}},
            "institutions.elections.rule_statement",
        ),
        (
            {
                # Overriding `institutions` replaces the preset's, town hall included: no catches are
                # revealed, so agents are not told they are.
                "information": {"others_actions": False},
                "institutions": {
                    "elections": {"enabled": True, "candidates": "groups", "groups": ["x"]}
                }
            },
            "institutions.elections.groups[0]: no population group 'x' to stand; groups: fishers",
        ),
        (
            {"institutions": {"elections": {"enabled": True, "trem": 3}}},
            "unknown field 'trem'",
        ),
    ],
)
def test_scenario_errors_name_the_field(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ScenarioError, match=re.escape(message)):
        load_scenario(SCENARIOS / "govsim/fishery.yaml", overrides)


def test_elections_and_offices_conform_as_institutions(tmp_path: Path) -> None:
    s = load_scenario(LEADER, {"rounds": 5})
    report = check_institution("elections", s, tmp_path / "e", kills=2, seed=1)
    assert {"campaign", "elect", "set_limit", "harvest"} <= report.phases_rendered
    assert {"candidates_declared", "election", "role_assigned", "role_ended"} <= report.kinds
    # The leader is also the monitor: it alone inspects, and sets the limit.
    both = load_scenario(
        LEADER,
        {
            "rounds": 3,
            # Overriding `institutions` replaces the preset's, town hall included: no catches are
            # revealed, so agents are not told they are.
            "information": {"others_actions": False},
            "institutions": {
                "monitoring": {"enabled": True, "cost": 1},
                "elections": {"enabled": True, "term": 2},
                "offices": {"enabled": True, "monitor": "leader"},
            },
        },
    )
    report = check_institution("offices", both, tmp_path / "o", kills=2, seed=2)
    assert "limit_set" in report.kinds


# --- prompts: bounded, and a scripted LLM through the real ones --------------------------------


def test_election_prompts_stay_bounded_at_a_full_ballot() -> None:
    """40 members, the most candidates a ballot keeps (8 by default) with statements at the
    280-character bound: the statement, vote and limit prompts stay under 2,000 tokens each."""
    from society.games.commons.views import told

    s = load_scenario(LEADER, {"population": [{"name": "fishers", "count": 40}]})
    library = PromptLibrary.for_scenario(s)
    view = {
        "agent": "fishers-01", "round": 5, "persona": "You are an ordinary member." * 3,
        "harvest_mode": "amount", "resource": s.commons.resource.model_dump(),
        "stock_signal": "plentiful", "stock_trend": "stable", "exact_stock": 100.0,
        "max_amount": 100, "community_size": 40, "last_request": 3.0, "last_harvest": 3.0,
        "last_payoff_change": 3.0, "payoff": 30.0, "norm_text": "n" * 280, "norm_limit": 2.5,
        "excluded_rounds_left": 0, "news": None, "reputation": {}, "agreement": None,
        "universalization": None, "rules": told(s),
        "strategy": {"effort": 0.3, "monitor": 0.5, "punish": 0.5, "noise": 0.02,
                     "keeps_agreements": 0.7, "norm": 2.5, "text": ""},
    }  # fmt: skip
    schema = [{"name": "field", "type": "str", "description": "x" * 80}] * 3
    ballot = {
        f"fishers-{i:02d}": {
            "statement": "s" * 280,
            "pledge": 2.5,
            "cooperation": 0.0,
            "record": "took 3 tons last round (the limit was 2.5).",
        }
        for i in range(1, 9)
    }
    contexts = {
        "election_statement": {"role": "leader", "term": 4, "term_until": 8, "max_chars": 280,
                               "volunteers": True},
        "election_vote": {"role": "leader", "term": 4, "candidates": ballot},
        "set_limit": {"role": "leader", "max_chars": 280, "max_limit": 100},
    }  # fmt: skip
    sizes = {}
    for prompt, context in contexts.items():
        rendered = library.render(prompt, view=view, context=context, schema=schema)
        sizes[prompt] = count_messages([m.content for m in rendered.messages])
    print("\nelection prompt tokens at 40 members, 8 candidates:", sizes)
    assert sizes["election_vote"] < 2000 and max(sizes.values()) < 2000


def scripted(request: ScriptedRequest) -> str:
    text = "\n".join(m.content for m in request.messages)
    if request.prompt_id == "harvest_amount":
        return json.dumps({"amount": 6, "inspect": None, "rationale": "scripted"})
    if request.prompt_id == "election_statement":
        if request.agent == "fishers-1" and request.attempt == 1:
            return json.dumps({"statement": "x" * 400, "rationale": "too long"})
        return json.dumps(
            {"statement": f"{request.agent} will keep the lake full.", "rationale": "r"}
        )
    if request.prompt_id == "election_vote":
        if request.agent == "fishers-5":  # never a candidate: re-asked, then recorded failed
            return json.dumps({"candidate": "nobody-9", "rationale": "protest"})
        return json.dumps({"candidate": "fishers-2", "rationale": "a good statement"})
    if request.prompt_id == "set_limit":
        assert "You are the community's leader" in text
        return json.dumps({"limit": 7, "announcement": "Seven tons each.", "rationale": "safe"})
    if request.prompt_id == "reflect":
        return json.dumps({"insight": "keep it low", "importance": 3})
    raise KeyError(request.prompt_id)


@pytest.fixture(scope="module")
def llm_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, ScriptedChatModel]:
    s = load_scenario(
        LEADER,
        {
            "rounds": 2,
            "model": {"name": "scripted:elections"},
            # Overriding `institutions` replaces the preset's, town hall included: no catches are
            # revealed, so agents are not told they are.
            "information": {"others_actions": False},
            "institutions": {
                "elections": {"enabled": True, "term": 4},
                "offices": {"enabled": True},
            },
        },
    )
    fake = ScriptedChatModel(responder=scripted)
    out = tmp_path_factory.mktemp("elections-llm")
    result = asyncio.run(run_society(s, out, chat_model_factory=lambda spec: fake, backoff_s=0))
    return result.run_dir, fake


def test_a_scripted_llm_elects_and_leads_through_the_real_prompts(
    llm_run: tuple[Path, ScriptedChatModel],
) -> None:
    run_dir, fake = llm_run
    events = list(read_events(run_dir))
    calls = Counter(r.prompt_id for r in fake.requests)
    retries = sum(
        1 for r in fake.requests if r.prompt_id == "election_vote" and r.agent == "fishers-5"
    )
    # Round 1: 5 statements (+1 re-ask of the over-long one), 5 votes (fishers-5 asked
    # `retries` times), the leader's limit; then one harvest and one limit per round.
    assert calls["election_statement"] == 6
    assert calls["election_vote"] == 4 + retries and retries > 1
    assert calls["set_limit"] == 2 and calls["harvest_amount"] == 10
    reask = [
        r for r in fake.requests if r.agent == "fishers-1" and r.prompt_id == "election_statement"
    ]
    assert "at most 280 characters (got 400)" in reask[1].messages[-1].content
    vote = next(r for r in fake.requests if r.prompt_id == "election_vote")
    assert "fishers-3: «fishers-3 will keep the lake full.»" in vote.messages[-1].content
    [held] = of_kind(events, "election")
    assert held.winner == "fishers-2" and held.failed == ["fishers-5"]
    assert "fishers-5" not in held.votes  # a failed vote is no default vote
    limits = of_kind(events, "limit_set")
    assert [(e.leader, e.limit) for e in limits] == [("fishers-2", 7.0), ("fishers-2", 7.0)]
    metrics = metrics_of(run_dir)
    assert metrics["institutions"]["elections"]["failed_decisions"] == 1


def test_inspect_and_report_show_the_election(
    llm_run: tuple[Path, ScriptedChatModel], tmp_path: Path
) -> None:
    from cli_in_process import society

    run_dir, _ = llm_run
    shown = society(["inspect", str(run_dir), "--round", "1"])
    assert shown.code == 0, shown.output
    assert "fishers-2 elected leader until round 2" in shown.output  # the run's last round
    assert "fishers-2 (leader) set the limit at 7" in shown.output
    report = society(["report", str(run_dir), "--out", str(tmp_path / "r.html")])
    assert report.code == 0, report.output


# --- the rule baseline on paired seeds ----------------------------------------------------------


def test_an_elected_leader_lowers_over_usage_on_paired_seeds(tmp_path: Path) -> None:
    """The experiment's two cells (elected-leader.yaml: a selfish majority, no town hall),
    20 seeds each: with an elected leader who sets the limit, fewer catches exceed the
    sustainable share and more fish are left, the paired CIs excluding zero."""
    from society.experiments.spec import load_experiment

    experiment = load_experiment(EXPERIMENT)
    assert experiment.seeds == list(range(20))
    found: dict[str, list[dict[str, Any]]] = {"none": [], "elected": []}
    for cell, s in experiment.runs():
        level = cell.levels["leader"]
        run_dir = run_society_sync(s, tmp_path / f"{level}-{s.seed}").run_dir
        found[level].append(metrics_of(run_dir))
    pairs = list(zip(found["none"], found["elected"], strict=True))
    over = mean_ci([b["over_usage"] - a["over_usage"] for a, b in pairs])
    stock = mean_ci([b["final_stock"] - a["final_stock"] for a, b in pairs])
    print(f"\nelected − none, paired by seed: over-usage {over}, final stock {stock}")
    assert over.high < 0 and stock.low > 0
