"""Appeals (Ostrom 6), the first institution module: placed in the round, run by rule agents
and through the real prompt, deterministic, in metrics.json only when on, shown by inspect."""

from __future__ import annotations

import asyncio
import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
from conftest import SCENARIOS, scenario
from test_graphs import check_snapshot
from typer.testing import CliRunner

from society.cli import app
from society.coordinator.runner import run_society, run_society_sync
from society.core.registry import game_of
from society.institutions.appeals import _clear, juror_vote
from society.scenario import ScenarioError, load_scenario
from society.testing import ScriptedChatModel, governance_reply
from society.transcript import read_events

# Sanctions on hearsay: a member reformed after last round's sanction is punished again on the
# report about it; rule agents appeal, and rule jurors overturn the double punishment.
HEARSAY = {
    "monitoring": {"enabled": True},
    "gossip": {"enabled": True},
    "sanctions": {"enabled": True, "act_on_gossip": True},
    "voting": {"enabled": True},
    "appeals": {"enabled": True},
}


def demo(tmp_path: Path, institutions: dict[str, Any] = HEARSAY, **overrides: Any) -> Path:
    s = scenario(
        "demo.yaml", rounds=overrides.pop("rounds", 20), institutions=institutions, **overrides
    )
    return run_society_sync(s, tmp_path).run_dir


def of_kind(events: list[Any], kind: str) -> list[Any]:
    return [e for e in events if e.kind == kind]


def test_the_default_round_puts_appeal_and_judge_after_respond() -> None:
    s = scenario("demo.yaml", institutions=HEARSAY)
    order = game_of(s).default_round(s)
    assert order[order.index("respond") + 1 : order.index("settle")] == ["appeal", "judge"]
    off = scenario("demo.yaml")
    assert "appeal" not in game_of(off).default_round(off)


def test_round_graph_with_appeals(tmp_path: Path) -> None:
    from society.agents.graph import AgentTurns
    from society.agents.rule_mind import RulesMind
    from society.coordinator.deps import CoordinatorDeps
    from society.coordinator.runner import agents_of
    from society.core.round_graph import build_round_graph
    from society.transcript import TranscriptWriter

    s = scenario("demo.yaml", institutions=HEARSAY)
    agents = agents_of(s)
    game = game_of(s)
    with TranscriptWriter(tmp_path, "snapshot") as writer:
        deps = CoordinatorDeps(
            scenario=s,
            agent_turns=AgentTurns({a.id: RulesMind() for a in agents}, game.phases(s)),
            writer=writer,
            personas={a.id: "" for a in agents},
            mind_sources={a.id: "rules" for a in agents},
        )
        text = build_round_graph(game, deps).get_graph().draw_mermaid()
    check_snapshot("round_graph_appeals.mmd", text)
    assert "resolve_respond --> appeal_turn" in text or "resolve_respond -.-> appeal_turn" in text


def test_rule_agents_appeal_and_overturned_fines_are_refunded(tmp_path: Path) -> None:
    run_dir = demo(tmp_path, seed=2)
    events = list(read_events(run_dir))
    filed, judged = of_kind(events, "appeal_filed"), of_kind(events, "appeal_judged")
    assert filed and len(judged) == len(filed)
    overturned = [e for e in judged if e.outcome == "overturned"]
    assert overturned and any(e.outcome == "upheld" for e in judged)
    assert all(e.refund > 0 for e in overturned if e.refund)
    # A refunded member's holdings after settling: last round's, plus its harvest, minus what it
    # paid this round (punishing, fines), plus the refund, minus consumption.
    case = next(e for e in overturned if e.refund > 0)
    r, who = case.round, case.accused
    settled = {e.round: e for e in of_kind(events, "payoffs_settled")}
    before = settled[r - 1].payoffs[who] if r > 1 else 0.0
    took = next(e for e in of_kind(events, "harvest_resolved") if e.round == r).harvested.get(
        who, 0.0
    )
    sanctions = [e for e in of_kind(events, "sanction") if e.round == r]
    fines = sum(e.fine for e in sanctions if e.target == who)
    costs = sum(e.punisher_cost for e in sanctions if e.punisher == who)
    expected = before + took - costs - fines + case.refund - settled[r].consumption
    assert settled[r].payoffs[who] == pytest.approx(expected)
    assert case.refund == pytest.approx(fines)
    # Jurors are neither the accused nor its punishers, and each voted.
    for f, j in zip(filed, judged, strict=True):
        assert f.accused not in f.jurors and not set(f.punishers) & set(f.jurors)
        assert set(j.votes) <= set(f.jurors)
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics["institutions"]["appeals"]["overturned"] == len(overturned)
    assert metrics["institutions"]["appeals"]["refunds"] == pytest.approx(
        sum(e.refund for e in judged)
    )


def test_clearing_the_record_refunds_and_lifts() -> None:
    record: dict[str, Any] = {
        "payoff": 10.0,
        "offences": 3,
        "excluded_until": 6,
        "news": {
            "harvest": 4.0,
            "sanctions_received": [
                {"by": "a", "kind": "fine", "fine": 3.0, "exclusion_rounds": 0},
                {"by": "b", "kind": "exclusion", "fine": 0.0, "exclusion_rounds": 1},
            ],
        },
    }
    assert _clear(record, 5) == (3.0, True)
    assert record["payoff"] == 13.0 and record["offences"] == 2
    assert record["excluded_until"] == 4 and record["news"]["sanctions_received"] == []


def test_rule_jurors_follow_what_they_know() -> None:
    def case(**known: Any) -> dict[str, Any]:
        evidence = [{"already_sanctioned": known.pop("twice", False)}]
        base = {"inspected": None, "reported": False, "remembered": False, "belief": None}
        return {"evidence": evidence, "known": {**base, **known}}

    assert juror_vote(case(inspected=True), "overturn")[0] == "uphold"
    assert juror_vote(case(inspected=False), "uphold")[0] == "overturn"
    assert juror_vote(case(twice=True, reported=True), "uphold")[0] == "overturn"
    assert juror_vote(case(reported=True), "overturn")[0] == "uphold"
    assert juror_vote(case(belief=0.8), "uphold")[0] == "overturn"
    assert juror_vote(case(belief=0.2), "overturn")[0] == "uphold"
    assert juror_vote(case(), "overturn")[0] == "overturn"
    assert juror_vote(case(), "uphold")[0] == "uphold"


def test_the_same_seed_gives_the_same_bytes(tmp_path: Path) -> None:
    first = demo(tmp_path / "a", rounds=8, seed=3)
    second = demo(tmp_path / "b", rounds=8, seed=3)
    for name in ("events.jsonl", "metrics.json", "scenario.yaml"):
        assert (first / name).read_bytes() == (second / name).read_bytes()
    assert of_kind(list(read_events(first)), "appeal_filed")


def test_metrics_have_institutions_only_when_appeals_are_on(tmp_path: Path) -> None:
    off = dict(HEARSAY)
    off.pop("appeals")
    without = json.loads((demo(tmp_path / "off", off, rounds=4) / "metrics.json").read_text())
    assert "institutions" not in without
    on = json.loads((demo(tmp_path / "on", rounds=4) / "metrics.json").read_text())
    assert set(on["institutions"]["appeals"]) >= {"appeals_filed", "overturned", "refunds"}
    resolved = (demo(tmp_path / "off2", off, rounds=1) / "scenario.yaml").read_text()
    assert "appeals" not in resolved


def write(tmp_path: Path, text: str) -> Path:
    base = os.path.relpath(SCENARIOS / "paper" / "_base.yaml", tmp_path)
    path = tmp_path / "s.yaml"
    path.write_text(f"extends: {base}\nname: t\n" + text, encoding="utf-8")
    return path


SANCTIONING = """institutions:
  monitoring: {enabled: true}
  sanctions: {enabled: true}
  appeals:
"""


def test_an_unknown_appeals_key_is_reported_at_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, SANCTIONING + "    enabled: true\n    juyr: 2\n")
    with pytest.raises(ScenarioError) as raised:
        load_scenario(path)
    (line,) = raised.value.lines
    assert line.startswith(f"{path}:8: institutions.appeals.juyr: unknown field 'juyr'")
    assert "did you mean 'jury'?" in line


def test_appeals_without_sanctions_are_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, "institutions:\n  appeals: {enabled: true}\n")
    with pytest.raises(ScenarioError, match=r"appeals\.enabled: appeals need sanctions"):
        load_scenario(path)


def test_an_explicit_round_may_place_the_appeals_elsewhere(tmp_path: Path) -> None:
    order = "[harvest, respond, settle, appeal, judge, propose, vote, learn, regrow]"
    path = write(tmp_path, SANCTIONING + f"    enabled: true\nround: {order}\n")
    s = load_scenario(path)
    assert game_of(s).round_phases(s)[3].name == "appeal"
    wrong = "[harvest, respond, judge, appeal, settle, learn, regrow]"
    path = write(tmp_path, SANCTIONING + f"    enabled: true\nround: {wrong}\n")
    with pytest.raises(ScenarioError) as raised:
        load_scenario(path)
    assert raised.value.lines[0].startswith(f"{path}:8: round[2]: phase 'judge' needs appeals")


def test_a_round_naming_appeals_that_are_off_is_an_error(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        SANCTIONING
        + "    enabled: false\nround: [harvest, respond, appeal, judge, settle, regrow]\n",
    )
    with pytest.raises(
        ScenarioError, match=r"round\[2\]: phase 'appeal' belongs to the institution 'appeals'"
    ):
        load_scenario(path)


def scripted(request: Any) -> str:
    """LLM members take a lot, punish whom they may, appeal every sanction; as jurors they
    overturn appeals of even-numbered appeal ids."""
    found = governance_reply(request)
    if found is not None:
        return found
    user = request.messages[-1].content
    if request.prompt_id == "harvest_effort":
        # Everyone watches altruists-1 (who watches altruists-2): both are caught and fined.
        target = "altruists-2" if request.agent == "altruists-1" else "altruists-1"
        return json.dumps({"effort": 0.9, "inspect": target, "rationale": "watching"})
    if request.prompt_id == "respond":
        known = re.search(r"broke the norm: ([^.]+)\.", user)
        punish = known.group(1).split(", ") if known else []
        return json.dumps({"messages": [], "punish": punish, "rationale": "rules are rules"})
    if request.prompt_id == "appeal":
        if "You sit on a jury" in request.messages[0].content:
            ids = re.findall(r"^(A\d+): ", user, re.MULTILINE)
            verdicts = [
                {"appeal": a, "verdict": "overturn" if int(a[1:]) % 2 == 0 else "uphold"}
                for a in ids
            ]
            return json.dumps({"verdicts": verdicts, "rationale": "by the record"})
        return json.dumps({"appeal": True, "statement": "I kept the norm.", "rationale": "try"})
    raise KeyError(request.prompt_id)


def test_a_scripted_llm_society_appeals_through_the_prompt(tmp_path: Path) -> None:
    s = scenario(
        "demo.yaml",
        rounds=4,
        seed=1,
        model={"name": "scripted:appeals"},
        institutions={
            "monitoring": {"enabled": True},
            "sanctions": {"enabled": True},
            "appeals": {"enabled": True, "jury": 0},
        },
    )
    fake = ScriptedChatModel(responder=scripted)
    result = asyncio.run(
        run_society(s, tmp_path, chat_model_factory=lambda spec: fake, backoff_s=0)
    )
    events = list(read_events(result.run_dir))
    calls = [e for e in of_kind(events, "llm_call") if e.prompt_id == "appeal"]
    phases = {e.phase for e in calls}
    assert phases == {"appeal", "judge"}
    judge = next(e for e in calls if e.phase == "judge")
    assert (
        "You sit on a jury" in judge.messages[0].content
        and "says: «I kept the norm.»" in judge.messages[-1].content
    )
    decisions = [e for e in of_kind(events, "decision") if e.phase in ("appeal", "judge")]
    assert {e.phase for e in decisions} == {"appeal", "judge"}
    assert of_kind(events, "appeal_filed") and of_kind(events, "appeal_judged")
    assert not of_kind(events, "decision_failed")
    outcomes = {e.appeal: e.outcome for e in of_kind(events, "appeal_judged")}
    assert "overturned" in outcomes.values() and "upheld" in outcomes.values()


def test_a_juror_naming_an_unknown_appeal_is_rejected() -> None:
    from pydantic import ValidationError

    from society.institutions.appeals import AppealDecision, Judgement

    context = {"cases": [{"appeal": "A1"}, {"appeal": "A2"}]}
    good = {
        "verdicts": [
            {"appeal": "A1", "verdict": "uphold"},
            {"appeal": "A2", "verdict": "overturn"},
        ],
        "rationale": "x",
    }
    assert Judgement.model_validate(good, context=context)
    for verdicts, message in (
        ([{"appeal": "A9", "verdict": "uphold"}], "you judge only these appeals: A1, A2"),
        ([{"appeal": "A1", "verdict": "uphold"}], "missing: A2"),
    ):
        with pytest.raises(ValidationError, match=message):
            Judgement.model_validate({"verdicts": verdicts, "rationale": "x"}, context=context)
    with pytest.raises(ValidationError, match="needs a statement"):
        AppealDecision.model_validate({"appeal": True, "rationale": "x"}, context={})
    with pytest.raises(ValidationError, match="at most 20 characters"):
        AppealDecision.model_validate(
            {"appeal": True, "statement": "x" * 21, "rationale": "x"}, context={"max_chars": 20}
        )


def test_inspect_shows_appeals_and_unknown_kinds(tmp_path: Path) -> None:
    run_dir = demo(tmp_path, rounds=6, seed=2)
    events = list(read_events(run_dir))
    number = of_kind(events, "appeal_judged")[0].round
    last = events[-1]
    extra = {
        "schema_version": 1,
        "kind": "mystery",
        "run_id": last.run_id,
        "round": number,
        "seq": last.seq + 1,
        "clue": "a red herring",
    }
    with (run_dir / "events.jsonl").open("a", encoding="utf-8") as out:
        out.write(json.dumps(extra) + "\n")
    done = CliRunner().invoke(app, ["inspect", str(run_dir), "--round", str(number)])
    assert done.exit_code == 0, done.output
    assert "Institutions and other events" in done.output
    assert re.search(r"appeal A1 of \S+: (upheld|overturned)", done.output)
    assert "mystery: clue=a red herring" in done.output
