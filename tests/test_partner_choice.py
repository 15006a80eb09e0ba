"""Partner choice, peer punishment of a partner and reputation in the matrix game
(society/institutions/partner_choice.py, punishment.py, reputation.py): the finding on paired
seeds, the conformance kit for each institution, reputation recomputed from the transcript,
refusals and re-formed pairs, decisions checked against the phase's facts, the bounded prompt,
a scripted LLM through the real prompts, inspect and report, and scenario errors."""

from __future__ import annotations

import asyncio
import json
import random
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from conftest import SCENARIOS
from pydantic import ValidationError

from society import tokens
from society.analysis.stats import paired_contrast
from society.coordinator.runner import run_society, run_society_sync
from society.institutions.partner_choice import PartnerDecision, match
from society.institutions.reputation import (
    Observation,
    ReputationSettings,
    beliefs_by_round,
    beliefs_from_events,
    update,
)
from society.prompts import PromptLibrary
from society.scenario import ScenarioError, load_scenario
from society.testing import ScriptedChatModel, ScriptedRequest, check_institution
from society.transcript.reader import read_events

FOLDER = SCENARIOS / "matrix" / "partner-choice"
BOTH = FOLDER / "choice-punishment.yaml"
ARMS = {
    "choice": FOLDER / "choice.yaml",
    "punishment": FOLDER / "punishment.yaml",
    "both": BOTH,
}
SEEDS = range(1, 21)


def of_kind(events: list[Any], kind: str) -> list[Any]:
    return [e for e in events if e.kind == kind]


# --- the finding: choice + punishment sustains more cooperation than either alone -------------


@pytest.fixture(scope="module")
def arms(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[int, dict[str, Any]]]:
    out = tmp_path_factory.mktemp("arms")
    found: dict[str, dict[int, dict[str, Any]]] = {}
    for arm, path in ARMS.items():
        found[arm] = {}
        for seed in SEEDS:
            result = run_society_sync(load_scenario(path, {"seed": seed}), out / f"{arm}-{seed}")
            found[arm][seed] = json.loads((result.run_dir / "metrics.json").read_text())
    return found


def cooperation_of_moves(m: dict[str, Any]) -> float:
    return m["cooperation_rate"]


def cooperation_per_member_round(m: dict[str, Any]) -> float:
    return m["extra"]["cooperation_per_member_round"]


@pytest.mark.parametrize(
    ("single", "measure"),
    [
        ("choice", cooperation_of_moves),
        ("punishment", cooperation_of_moves),
        # Counting members who did not play as not cooperating, the combination still beats
        # partner choice alone; against punishment alone it does not clear zero (refusals
        # cost plays): docs/findings.md reports both.
        ("choice", cooperation_per_member_round),
    ],
    ids=["moves-vs-choice", "moves-vs-punishment", "member-rounds-vs-choice"],
)
def test_choice_and_punishment_together_beat_either_alone(
    arms: dict[str, dict[int, dict[str, Any]]], single: str, measure: Any
) -> None:
    """20 paired seeds: the same seed draws the same matchings in every arm."""
    found = paired_contrast(
        [
            (1.0, {s: measure(m) for s, m in arms["both"].items()}),
            (-1.0, {s: measure(m) for s, m in arms[single].items()}),
        ]
    )
    print(f"\nboth − {single} ({measure.__name__}): {found}")
    assert found.mean > 0 and found.low > 0  # the direction, and a CI that excludes zero


# --- conformance, determinism, reputation from events -----------------------------------------


@pytest.mark.parametrize("name", ["partner_choice", "reputation", "punishment"])
def test_each_institution_conforms_in_the_matrix_game(name: str, tmp_path: Path) -> None:
    scenario = load_scenario(BOTH, {"rounds": 6, "seed": 3})
    report = check_institution(name, scenario, tmp_path, kills=2, seed=1)
    assert name in report.subject


def test_reputation_is_recomputed_from_the_transcript_alone(tmp_path: Path) -> None:
    events = list(read_events(run_society_sync(load_scenario(BOTH, {"seed": 4}), tmp_path).run_dir))
    kept = beliefs_by_round(events)
    recomputed = beliefs_from_events(events)
    assert recomputed == kept[max(kept)]
    assert len(recomputed) == 10 and all(len(row) == 9 for row in recomputed.values())
    # Defectors end with the worst reputation in every reciprocator's eyes.
    for observer in (o for o in recomputed if o.startswith("reciprocator")):
        row = recomputed[observer]
        assert max(row[d] for d in row if d.startswith("defector")) < min(
            row[r] for r in row if r.startswith("reciprocator") and r != observer
        )


def test_the_update_rule_and_its_weights() -> None:
    settings = ReputationSettings(
        enabled=True, prior=0.5, direct_weight=0.5, public_weight=0.25, recovery=0.1
    )
    seen = [
        Observation(observer="a", target="b", value=0.0, source="direct"),
        Observation(observer="c", target="b", value=0.0, source="public"),
    ]
    beliefs, changed = update({}, seen, settings)
    assert beliefs == {"a": {"b": 0.25}, "c": {"b": 0.375}} == changed
    # A round without news: back 10% of the way to the prior.
    later, _ = update(beliefs, [], settings)
    assert later == {"a": {"b": 0.275}, "c": {"b": 0.3875}}
    off, _ = update({}, seen, settings.model_copy(update={"public_weight": 0.0}))
    assert off == {"a": {"b": 0.25}}


def test_the_institutions_change_the_outcome_and_runs_repeat(tmp_path: Path) -> None:
    runs = {}
    for name, path in {"none": FOLDER / "none.yaml", "both": BOTH, "again": BOTH}.items():
        result = run_society_sync(load_scenario(path, {"seed": 2}), tmp_path / name)
        runs[name] = result.run_dir
    same = [(runs[n] / "events.jsonl").read_bytes() for n in ("both", "again")]
    assert same[0] == same[1]
    metrics = {n: json.loads((d / "metrics.json").read_text()) for n, d in runs.items()}
    assert "institutions" not in metrics["none"] and "extra" not in metrics["none"]
    assert metrics["both"]["cooperation_rate"] > metrics["none"]["cooperation_rate"]
    for name in ("partner_choice", "punishment", "reputation"):
        assert name in metrics["both"]["institutions"]


@pytest.mark.parametrize(
    "change",
    [
        {"threshold": 0.0},  # accepts everyone: nobody is refused
        {"refused_payoff": 4.0},
        {"candidates": 3},
    ],
)
def test_every_partner_choice_field_moves_the_run(change: dict[str, Any], tmp_path: Path) -> None:
    base = load_scenario(BOTH, {"seed": 5, "rounds": 12})
    sections = base.institutions.model_dump(mode="json")
    sections["partner_choice"] = {**sections["partner_choice"], **change}
    varied = load_scenario(BOTH, {"seed": 5, "rounds": 12, "institutions": sections})
    events = [
        list(read_events(run_society_sync(s, tmp_path / str(i)).run_dir))
        for i, s in enumerate((base, varied))
    ]
    chosen = [of_kind(e, "partners_chosen") for e in events]
    assert [c.model_dump(exclude={"run_id", "seq"}) for c in chosen[0]] != [
        c.model_dump(exclude={"run_id", "seq"}) for c in chosen[1]
    ]
    if change.get("threshold") == 0.0:
        assert not any(c.refusals for c in chosen[1])
    if "refused_payoff" in change:
        finished = of_kind(events[1], "matrix_round_finished")[-1]
        played = Counter()
        for p in of_kind(events[1], "pair_played"):
            played[p.row] += p.row_payoff
            played[p.column] += p.column_payoff
        unmatched = Counter(a for c in chosen[1] for a in c.unmatched)
        punished = Counter()
        for e in of_kind(events[1], "punishment"):
            for agent, delta in e.changes.items():
                punished[agent] += delta
        for agent, total in finished.totals.items():
            expected = played[agent] + 4.0 * unmatched[agent] + punished[agent]
            assert total == pytest.approx(expected)
    if "candidates" in change:
        assert any(
            tuple(p) not in {tuple(s) for s in c.scheduled} for c in chosen[1] for p in c.pairs
        ), "with 3 candidates, some members left unmatched find another partner"


def test_refused_pairs_do_not_play(tmp_path: Path) -> None:
    events = list(read_events(run_society_sync(load_scenario(BOTH, {"seed": 1}), tmp_path).run_dir))
    for chosen in of_kind(events, "partners_chosen"):
        played = {
            (p.row, p.column) for p in of_kind(events, "pair_played") if p.round == chosen.round
        }
        assert played == {tuple(p) for p in chosen.pairs}
        for refusal in chosen.refusals:
            assert refusal.belief < 0.4  # the rule threshold
            assert not any({refusal.by, refusal.target} == {a, b} for a, b in played)


def test_matching_needs_both_sides_consent() -> None:
    scheduled = [["a", "b"], ["c", "d"]]
    accepted = {"a": ["b", "c"], "b": [], "c": ["a"], "d": ["c"]}
    candidates = {"a": ["b", "c"], "b": ["a"], "c": ["d", "a"], "d": ["c"]}
    pairs = match(scheduled, accepted, candidates, ["a", "b", "c", "d"], random.Random(0))
    # c refused d, so the schedule's pairs both fail; a and c accept each other.
    assert pairs == [("a", "c")]
    assert (
        match(scheduled, {m: [] for m in "abcd"}, candidates, list("abcd"), random.Random(0)) == []
    )


# --- decisions, prompts, scripted LLM ----------------------------------------------------------


def test_a_partner_reply_is_checked_against_the_candidates() -> None:
    facts = {"candidates": ["x-1", "x-2"]}
    ok = PartnerDecision.model_validate({"accept": ["x-2"], "rationale": "fine"}, context=facts)
    assert ok.accept == ["x-2"]
    with pytest.raises(
        ValidationError, match="not one of your candidates; your candidates: x-1, x-2"
    ):
        PartnerDecision.model_validate({"accept": ["y"], "rationale": "r"}, context=facts)
    with pytest.raises(ValidationError, match="at most once"):
        PartnerDecision.model_validate({"accept": ["x-1", "x-1"], "rationale": "r"}, context=facts)
    assert PartnerDecision.choices(facts) == ((("accept",), ("x-1", "x-2")),)


PROMPT_TOKEN_BOUND = 1500


def test_the_partner_prompt_stays_bounded_at_the_most_candidates() -> None:
    """8 candidates (the most the section allows), 40-character names, the longest persona
    (500 characters) and records: the prompt stays under 1,500 tokens."""
    from society.institutions.partner_choice import MAX_CANDIDATES

    library = PromptLibrary()
    view = {
        "agent": "a" * 40,
        "round": 9_999,
        "persona": "p" * 500,
        "candidates": [
            {
                "name": f"{'c' * 38}{i:02d}",
                "scheduled": i == 0,
                "reputation": 0.123456,
                "record": "you played 9999 round(s) with them; last time they played " + "L" * 30,
            }
            for i in range(MAX_CANDIDATES)
        ],
        "refused_payoff": -123456.75,
    }
    schema = [{"name": "accept", "type": "list", "description": "x" * 80}]
    rendered = library.render("partner_choice", view=view, context={}, schema=schema)
    found = tokens.count_messages([m.content for m in rendered.messages])
    print(f"\nworst-case partner_choice prompt: {found} tokens")
    assert found < PROMPT_TOKEN_BOUND


def scripted(request: ScriptedRequest) -> str:
    text = "\n".join(m.content for m in request.messages)
    if request.prompt_id == "matrix/move":
        action = "F" if request.agent.startswith("defector") else "J"
        return json.dumps({"action": action, "rationale": "scripted"})
    if request.prompt_id == "partner_choice":
        if request.agent == "reciprocator-1" and request.round == 2 and request.attempt == 1:
            return json.dumps({"accept": ["nobody-9"], "rationale": "a stranger"})
        listed = re.findall(
            r"^- (\S+?)(?: \(your scheduled partner\))?: reputation ([0-9.]+)", text, re.M
        )
        keep = [name for name, belief in listed if float(belief) >= 0.4]
        return json.dumps({"accept": keep, "rationale": "reputation"})
    if request.prompt_id == "punish":
        partner = text.split("What you saw:\n- ")[1].split(" ")[0]
        if "who played Option F" in text:
            return json.dumps(
                {"points": [{"target": partner, "points": 1}], "rationale": "defected"}
            )
        return json.dumps({"points": [], "rationale": "fine"})
    raise KeyError(request.prompt_id)


@pytest.fixture(scope="module")
def llm_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, ScriptedChatModel]:
    scenario = load_scenario(
        BOTH,
        {
            "rounds": 3,
            "seed": 1,
            "model": {"name": "scripted:pc"},
            "population": [
                {"name": "reciprocator", "count": 2, "persona": "player"},
                {"name": "defector", "count": 2, "persona": "player"},
            ],
        },
    )
    fake = ScriptedChatModel(responder=scripted)
    out = tmp_path_factory.mktemp("pc-llm")
    result = asyncio.run(
        run_society(scenario, out, chat_model_factory=lambda spec: fake, backoff_s=0)
    )
    return result.run_dir, fake


def test_a_scripted_llm_chooses_plays_and_punishes_through_the_real_prompts(
    llm_run: tuple[Path, ScriptedChatModel],
) -> None:
    run_dir, fake = llm_run
    events = list(read_events(run_dir))
    chosen = of_kind(events, "partners_chosen")
    plays = of_kind(events, "pair_played")
    calls = Counter(r.prompt_id for r in fake.requests)
    # Per agent-round: one partner_choice call (each scheduled member), one move and one
    # punish call per member who played; plus the one re-ask of a bad reply.
    members = sum(2 * len(c.scheduled) for c in chosen)
    played = 2 * len(plays)
    assert calls == {"partner_choice": members + 1, "matrix/move": played, "punish": played}
    reask = [r for r in fake.requests if r.agent == "reciprocator-1" and r.round == 2]
    assert "not one of your candidates" in reask[1].messages[-1].content
    first = next(r for r in fake.requests if r.prompt_id == "partner_choice")
    assert "A pair plays only if both of its members accept each other" in first.messages[0].content
    assert "reputation 0.50; you have not played with them" in first.messages[-1].content
    punished = [a.target for e in of_kind(events, "punishment") for a in e.assignments]
    assert punished and all(t.startswith("defector") for t in punished)
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics["llm"]["calls"] == members + 1 + 2 * played
    assert metrics["institutions"]["partner_choice"]["failed_decisions"] == 0


def test_inspect_and_report_show_partner_choice_and_reputation(
    llm_run: tuple[Path, ScriptedChatModel], tmp_path: Path
) -> None:
    from cli_in_process import society

    run_dir, _ = llm_run
    shown = society(["inspect", str(run_dir), "--round", "2"])
    assert shown.code == 0, shown.output
    assert "partner choice:" in shown.output and "reputation:" in shown.output
    assert "Reputation after round 2" in shown.output
    page = society(["report", str(run_dir), "--out", str(tmp_path / "page.html")])
    assert page.code == 0, page.output
    from society.games.matrix.game import GAME

    data = GAME.report_data(list(read_events(run_dir)), {}, None)
    table = next(x for x in data.core["sections"] if x["title"].startswith("Reputation after"))
    members = table["heatmap"]["members"]
    assert len(members) == 4 and len(table["rows"]) == 4
    assert table["heatmap"]["beliefs"]["reciprocator-1"]["reciprocator-1"] is None
    assert any(x["title"] == "Partner choice per round" for x in data.core["sections"])


# --- scenario errors ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {
                "institutions": {
                    "reputation": {"enabled": False},
                    "partner_choice": {"enabled": True},
                }
            },
            r"institutions\.partner_choice\.enabled: partner choice chooses by reputation",
        ),
        ({"institutions": {"partner_choice": {"candidates": 9}}}, "candidates"),
        ({"institutions": {"reputation": {"publik_weight": 1}}}, "publik_weight"),
        (
            {
                "round": ["pair", "choose", "play", "close"],
                "institutions": {
                    "reputation": {"enabled": False},
                    "partner_choice": {"enabled": False},
                },
            },
            "institution 'partner_choice', which is off",
        ),
        ({"round": ["choose", "pair", "play", "reputation", "close"]}, "put it after pair"),
    ],
)
def test_scenario_errors_name_the_field(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ScenarioError, match=message):
        load_scenario(BOTH, overrides)


def test_a_matrix_without_cooperation_cannot_take_them() -> None:
    with pytest.raises(ScenarioError, match="reads cooperation"):
        load_scenario(
            SCENARIOS / "matrix" / "battle-of-the-sexes.yaml",
            {"institutions": {"punishment": {"enabled": True}}},
        )


def test_a_refusal_is_remembered_by_both_sides() -> None:
    """The memory mapper (for games with a round memory): the refused member remembers who
    refused it, the refuser whom it refused and why."""
    from society.institutions.partner_choice import INSTITUTION, PartnersChosen, Refusal

    class Keeper:
        def item(
            self, agent: str, event: Any, kind: str, text: str, importance: float, **kw: Any
        ) -> Any:
            return (agent, text, kw.get("about"), kw.get("tags"))

    event = PartnersChosen(
        round=3,
        scheduled=[("a", "b")],
        accepted={"a": [], "b": ["a"]},
        refusals=[Refusal(by="a", target="b", belief=0.25)],
        pairs=[],
        unmatched=["a", "b"],
        refused_payoff=0.0,
    )
    items = INSTITUTION.memories["partners_chosen"](event, {}, Keeper())
    assert items == [
        ("b", "a refused to play with me.", "a", ("refused_me",)),
        (
            "a",
            "I refused to play with b (I believed they cooperate 25% of the time).",
            "b",
            ("refused",),
        ),
    ]
