"""Every prompt of every shipped commons scenario, and of generated variants, says only what is
true of its scenario (society/games/commons/prompt_audit.py).

Each scenario is run for a few rounds with scripted model replies through the real prompts;
every prompt the run sent (its llm_call events) is audited against the scenario it recorded.
"""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path
from typing import Any

import pytest
from conftest import SCENARIOS

from society.backends.stack import BackendOptions
from society.coordinator.runner import run_society
from society.games.commons.prompt_audit import STATEMENTS, AuditReport, audit_events, audit_prompt
from society.games.commons.scenario import Scenario
from society.scenario import load_scenario
from society.testing import ScriptedChatModel, amount_reply, effort_reply, governance_reply
from society.transcript import read_events

COMMONS = sorted(
    p.relative_to(SCENARIOS).as_posix()
    for p in SCENARIOS.rglob("*.yaml")
    if p.relative_to(SCENARIOS).parts[0] in ("govsim", "paper") or p.name == "demo.yaml"
    if not p.name.startswith("_")
)
SCRIPTED = {"model": {"name": "scripted:audit"}, "seed": 1}
ALL_ON = {
    name: {"enabled": True}
    for name in ("monitoring", "gossip", "sanctions", "voting", "social_learning", "appeals")
}
GOVERNANCE = {name: {"enabled": True} for name in ALL_ON if name != "appeals"}
# What a variant needs to stay valid: sanctions need someone to know of a violation.
WITHOUT: dict[str, dict[str, Any]] = {
    "monitoring": {"sanctions": {"enabled": True, "act_on_gossip": True}},
}
ONLY: dict[str, dict[str, Any]] = {"sanctions": {"monitoring": {"enabled": True}}}
PAPER, GOVSIM = "paper/rich-selfish.yaml", "govsim/fishery.yaml"

# (base scenario, overrides): one setting varied at a time around a base that has it the other way.
VARIANTS: dict[str, tuple[str, dict[str, Any]]] = {
    "paper-consumption-0": (PAPER, {"commons": {"consumption": 0}}),
    "paper-consumption-0-no-starvation": (
        PAPER,
        {"commons": {"consumption": 0, "starvation": False, "end_on_death": False}},
    ),
    "paper-no-starvation": (PAPER, {"commons": {"starvation": False, "end_on_death": False}}),
    "paper-exact-stock": (PAPER, {"commons": {"exact_stock_visible": True}}),
    "paper-told-everything": (
        PAPER,
        {"information": {"dynamics": True, "payoff": "per_unit", "goal": "long_run_income"}},
    ),
    "paper-universalization": (PAPER, {"interventions": {"universalization": True}}),
    "paper-every-institution": (PAPER, {"institutions": ALL_ON}),
    "paper-exclusion-first": (
        PAPER,
        {
            "institutions": {
                **GOVERNANCE,
                "sanctions": {"enabled": True, "ladder": [{"kind": "exclusion", "rounds": 2}]},
            }
        },
    ),
    **{
        f"paper-every-institution-but-{name}": (
            PAPER,
            {"institutions": {**GOVERNANCE, name: {"enabled": False}, **WITHOUT.get(name, {})}},
        )
        for name in GOVERNANCE
    },
    **{
        f"paper-only-{name}": (
            PAPER,
            {"institutions": {name: {"enabled": True}, **ONLY.get(name, {})}},
        )
        for name in GOVERNANCE
    },
    "govsim-consumption-and-starvation": (
        GOVSIM,
        {"commons": {"consumption": 2, "initial_payoff": 3, "starvation": True}},
    ),
    "govsim-starvation-only": (GOVSIM, {"commons": {"starvation": True, "initial_payoff": 3}}),
    "govsim-not-told": (
        GOVSIM,
        {"information": {"dynamics": False, "payoff": "hidden", "goal": "none"}},
    ),
    "govsim-tripling": (GOVSIM, {"commons": {"regrowth": {"kind": "doubling", "factor": 3}}}),
    "govsim-every-institution": (
        GOVSIM,
        {"institutions": {**ALL_ON, "town_hall": {"enabled": True}}},
    ),
}
ROUNDS = 3


def reply(request: Any) -> str:
    """A valid reply to every commons prompt, shaped by what the prompt offers (messages only
    where messaging is offered, punishment only of members it names)."""
    text = "\n".join(m.content for m in request.messages)
    found = governance_reply(request)
    if found is not None:
        return found
    number = int("".join(ch for ch in request.agent if ch.isdigit()) or 0)
    if request.prompt_id.startswith("harvest"):
        decision = json.loads(
            effort_reply(0.05 + 0.1 * (number % 4))
            if request.prompt_id == "harvest_effort"
            else amount_reply(5 + number % 9)
        )
        offered = re.search(r"inspect one member's \w+ this round: ([^ (]+?)[, ]", text)
        if offered:
            decision["inspect"] = offered[1]
        return json.dumps(decision)
    if request.prompt_id == "respond":
        known = re.search(r"broke the norm: ([^.]+)\. Punishing", text)
        messages = (
            [{"to": "all", "text": "I kept it low.", "claims": []}]
            if "Members you can message" in text
            else []
        )
        punish = [known[1].split(", ")[0]] if known else []
        return json.dumps({"messages": messages, "punish": punish, "rationale": "talk"})
    if request.prompt_id == "town_hall_speak":
        return json.dumps({"text": "Ten each.", "proposed_limit": 10, "next_speaker": None})
    if request.prompt_id == "town_hall_summary":
        return json.dumps({"summary": "We agreed on ten each.", "agreed_limit": 10})
    if request.prompt_id == "reflect":
        return json.dumps({"insight": "The stock matters.", "importance": 6})
    if request.prompt_id == "appeal":
        cases = re.findall(r"^(A\d+): ", text, re.MULTILINE)
        if cases:
            verdicts = [{"appeal": c, "verdict": "uphold"} for c in cases]
            return json.dumps({"verdicts": verdicts, "rationale": "evidence"})
        return json.dumps({"appeal": True, "statement": "I kept to the norm.", "rationale": "try"})
    raise KeyError(f"no scripted reply for prompt {request.prompt_id!r}")


def audited_run(relative: str, overrides: dict[str, Any], out: Path) -> AuditReport:
    scenario = load_scenario(SCENARIOS / relative, {**SCRIPTED, "rounds": ROUNDS, **overrides})
    fake = ScriptedChatModel(responder=reply)
    result = asyncio.run(
        run_society(
            scenario, out, chat_model_factory=lambda _: fake, backends=BackendOptions(), backoff_s=0
        )
    )
    return audit_events(read_events(result.run_dir))


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, AuditReport]:
    runs = {relative: (relative, {}) for relative in COMMONS} | VARIANTS
    return {
        name: audited_run(base, overrides, tmp_path_factory.mktemp(name.replace("/", "_")))
        for name, (base, overrides) in runs.items()
    }


def test_every_shipped_commons_scenario_and_variant_states_only_what_is_true(
    reports: dict[str, AuditReport],
) -> None:
    checked = sum(r.prompts for r in reports.values())
    statements = sum(r.statements for r in reports.values())
    print(
        f"prompt audit: {checked} renderings of {len(reports)} scenarios "
        f"({len(COMMONS)} shipped, {len(VARIANTS)} variants), {statements} statements checked"
    )
    problems = [p for r in reports.values() for p in r.problems]
    assert problems == []
    assert all(r.prompts > 0 for r in reports.values()), "a scenario sent no prompt"
    assert checked >= 500


def test_every_statement_occurs_somewhere(reports: dict[str, AuditReport]) -> None:
    """The variants reach every statement the templates can make (an unreached statement's
    check would never be exercised)."""
    seen = set().union(*(r.seen for r in reports.values()))
    assert {s.name for s in STATEMENTS} - seen == set()


def test_what_the_govsim_fishery_and_the_paper_are_told(reports: dict[str, AuditReport]) -> None:
    assert {
        "capacity",
        "doubling",
        "income per unit",
        "long-run goal",
        "others' actions revealed",
    } <= reports[GOVSIM].seen
    assert "no explicit reward" not in reports[GOVSIM].seen
    assert "starvation" not in reports[GOVSIM].seen and "consumption" not in reports[GOVSIM].seen
    assert "no explicit reward" in reports[PAPER].seen
    assert not {"income per unit", "long-run goal", "capacity"} & reports[PAPER].seen


def scenario_of(relative: str, **overrides: Any) -> Scenario:
    loaded = load_scenario(SCENARIOS / relative, overrides)
    assert isinstance(loaded, Scenario)
    return loaded


@pytest.mark.parametrize(
    ("relative", "overrides", "line", "problem"),
    [
        (
            GOVSIM,
            {},
            "Your holdings: 6.00 tons. You use up some every round; if they fall below zero you starve.",
            "starvation",
        ),
        (
            GOVSIM,
            {},
            "Nobody tells you how rewards are computed; learn from what happens to you.",
            "no explicit reward",
        ),
        (GOVSIM, {}, "The fish stock can never exceed 120 tons, its capacity.", "capacity"),
        (
            GOVSIM,
            {
                "institutions": {"town_hall": {"enabled": False}},
                "information": {"others_actions": False},
            },
            "Your note from the town hall of round 1: x",
            "town hall",
        ),
        (PAPER, {}, "Each of the units you harvest earns you the same income.", "income per unit"),
        (
            PAPER,
            {},
            "You may also inspect one member's harvest this round: a (or null).",
            "inspection offered",
        ),
        (
            GOVSIM,
            {"interventions": {"universalization": True}},
            "Round 2.\nThe fish stock is 99.0 tons (steady).\nYou are fishers-1, one of 5 members\nGiven the fish now, if every member took more than 9.9 tons each round, the fish would run out in time.",
            "universalization",
        ),
    ],
)
def test_the_checker_catches_a_false_statement(
    relative: str, overrides: dict[str, Any], line: str, problem: str
) -> None:
    report = AuditReport()
    audit_prompt(scenario_of(relative, **overrides), "harvest_amount", [line], report)
    assert any(f": {problem}: " in p for p in report.problems), report.problems


def test_the_universalization_threshold_is_govsims_integer() -> None:
    """⌊⌊S/2⌋/N⌋: stock 99 and 5 fishers give ⌊49/5⌋ = 9 (f(t)/N would say 9.9)."""
    report = AuditReport()
    text = (
        "Round 2.\nThe fish stock is 99.0 tons (steady).\nYou are fishers-1, one of 5 members\n"
        "Given the fish now, if every member took more than 9 tons each round, the fish would run out in time."
    )
    audit_prompt(
        scenario_of(GOVSIM, interventions={"universalization": True}),
        "harvest_amount",
        [text],
        report,
    )
    assert report.problems == [] and "universalization" in report.seen
