"""The public-goods game (society/games/public_goods) and peer punishment
(society/institutions/punishment.py): conformance, the finding on paired seeds, that every
number a user can vary moves the outcome, the rules of the decisions, bounded prompts, a
scripted LLM through the real prompts, inspect and report."""

from __future__ import annotations

import asyncio
import json
import random
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from conftest import SCENARIOS

from society.analysis.stats import mean_ci
from society.coordinator.runner import run_society, run_society_sync
from society.games.public_goods.decisions import Contribution
from society.games.public_goods.dynamics import next_floor, rule_contribution, stage_payoffs
from society.institutions.punishment import (
    PunisherRule,
    PunishmentDecision,
    PunishView,
    rule_points,
)
from society.prompts import PromptLibrary
from society.scenario import load_scenario
from society.scenario.loading import ScenarioError
from society.testing import ScriptedChatModel, ScriptedRequest, check_game, check_institution
from society.tokens import count_messages
from society.transcript import read_events

PG = SCENARIOS / "public_goods"
NONE = PG / "fehr-gaechter-no-punishment.yaml"
PEER = PG / "fehr-gaechter-punishment.yaml"
SEEDS = range(20)


def run(path: Path, tmp_path: Path, **overrides: Any) -> Any:
    return run_society_sync(load_scenario(path, overrides), tmp_path).metrics


def of_kind(events: list[Any], kind: str) -> list[Any]:
    return [e for e in events if e.kind == kind]


# --- conformance -----------------------------------------------------------------------------


def test_the_public_goods_game_conforms(tmp_path: Path) -> None:
    report = check_game(load_scenario(NONE, {"rounds": 4}), tmp_path, kills=3, seed=5)
    assert {"contributions", "public_goods_round", "run_finished"} <= report.kinds
    assert report.phases_rendered == {"contribute"}


def test_peer_punishment_conforms_as_an_institution(tmp_path: Path) -> None:
    s = load_scenario(PEER, {"rounds": 4})
    report = check_institution("punishment", s, tmp_path, kills=3, seed=2)
    assert {"contribute", "punish"} <= report.phases_rendered
    assert "punishment" in report.kinds


@pytest.mark.parametrize("path", sorted(PG.glob("*.yaml")), ids=lambda p: p.name)
def test_shipped_scenarios_run_with_their_invariants(path: Path, tmp_path: Path) -> None:
    s = load_scenario(path, {"rounds": 3})
    result = run_society_sync(s, tmp_path)
    events = list(read_events(result.run_dir))
    settings = s.public_goods
    for made in of_kind(events, "contributions"):
        assert all(
            0 <= c <= settings.endowment and c == int(c) for c in made.contributions.values()
        )
        assert made.pot == pytest.approx(settings.multiplier * made.total)
        for agent, c in made.contributions.items():
            assert made.stage_payoffs[agent] == pytest.approx(settings.endowment - c + made.share)
    punished = {e.round: e for e in of_kind(events, "punishment")}
    for close in of_kind(events, "public_goods_round"):
        made = next(e for e in of_kind(events, "contributions") if e.round == close.round)
        changes = punished[close.round].changes if close.round in punished else {}
        for agent, paid in close.payoffs.items():
            assert paid == pytest.approx(made.stage_payoffs[agent] + changes.get(agent, 0.0))
    assert bool(punished) == s.institutions.punishment.enabled
    assert result.metrics.rounds_completed == 3
    assert json.loads((result.run_dir / "metrics.json").read_text()) == json.loads(
        result.metrics.model_dump_json()
    )
    assert load_scenario(result.run_dir / "scenario.yaml") == s


# --- the finding (Fehr & Gächter 2000) on paired seeds ---------------------------------------


@pytest.fixture(scope="module")
def paired(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Any]]:
    out = tmp_path_factory.mktemp("pg-finding")
    found: dict[str, list[Any]] = {"none": [], "peer": []}
    for seed in SEEDS:
        found["none"].append(run(NONE, out / f"none-{seed}", seed=seed))
        found["peer"].append(run(PEER, out / f"peer-{seed}", seed=seed))
    return found


def test_contributions_decay_without_punishment(paired: dict[str, list[Any]]) -> None:
    runs = paired["none"]
    first = mean_ci([m.first_contribution for m in runs])
    change = mean_ci([m.last_contribution - m.first_contribution for m in runs])
    print(f"\nno punishment: round 1 {first}, last − first {change}")
    # Round 1 at about 40–60% of the endowment, as in the experiments [FG2000].
    assert 0.35 * 20 <= first.mean <= 0.6 * 20
    assert change.high < 0  # the last round is below the first, the CI excludes 0


def test_punishment_keeps_contributions_up(paired: dict[str, list[Any]]) -> None:
    difference = mean_ci(
        [p.last_contribution - n.last_contribution for n, p in zip(*paired.values(), strict=True)]
    )
    change = mean_ci([m.last_contribution - m.first_contribution for m in paired["peer"]])
    print(
        f"\nlast round, punishment − none (paired by seed): {difference}; with it, last − first {change}"
    )
    assert difference.low > 0  # higher with punishment, the CI excludes 0
    assert change.low > -1.0  # and it does not decay (at most a token down, within the CI)
    assert all(m.punishment_points > 0 for m in paired["peer"])


# --- every number a user can vary can change the outcome -------------------------------------


def test_a_free_rider_punished_harder_contributes_more(tmp_path: Path) -> None:
    """The target's loss per point (effect) deters and the punisher's cost per point restrains:
    rule punishers mean to take a loss in proportion to a shortfall, so a smaller effect costs
    them more points until punishing grows too dear (cost / effect above their max_price) and
    the free rider, losing less per token withheld, contributes less."""
    rider, points = {}, {}
    for label, punishment in {
        "effect 3": {"effect": 3},
        "effect 1": {"effect": 1},
        "effect 0.5": {"effect": 0.5},
        "cost 6": {"cost": 6},
        "cost 12": {"cost": 12},
    }.items():
        s = load_scenario(PEER, {"institutions": {"punishment": {"enabled": True, **punishment}}})
        events = list(read_events(run_society_sync(s, tmp_path / label).run_dir))
        made = of_kind(events, "contributions")
        rider[label] = sum(e.contributions["riders-1"] for e in made[1:]) / (len(made) - 1)
        points[label] = sum(sum(e.received.values()) for e in of_kind(events, "punishment"))
    assert points["effect 1"] > points["effect 3"] > points["cost 6"] > points["cost 12"]
    assert rider["effect 3"] > rider["effect 0.5"]
    assert rider["effect 3"] > rider["cost 12"]


def test_the_endowment_multiplier_and_units_move_the_numbers(tmp_path: Path) -> None:
    base = run(NONE, tmp_path / "base")
    richer = run(NONE, tmp_path / "richer", public_goods={"endowment": 40})
    assert richer.first_contribution > base.first_contribution
    higher = run(NONE, tmp_path / "higher", public_goods={"multiplier": 3.2})
    assert higher.mean_payoff > base.mean_payoff and higher.mpcr == 0.8
    fractional = run(NONE, tmp_path / "fractional", public_goods={"whole_units": False})
    assert fractional.mean_contribution != base.mean_contribution


def test_deterrence_and_contribution_rules() -> None:
    rule = {"initial": 0.5, "match": 0.85, "adjust": 1.0, "learn": 1.0, "forget": 0.1, "noise": 0.0}
    # Withholding 8 tokens cost 9 (more than the 0.6 a token saves): the floor goes to the mean.
    assert next_floor(floor=0, contribution=2, others=10, lost=9, mpcr=0.4, rule=rule) == 10
    # A loss of 2.4 for 8 tokens withheld (0.3 a token, half what it saves): half the way.
    assert next_floor(floor=0, contribution=2, others=10, lost=2.4, mpcr=0.4, rule=rule) == 5
    assert next_floor(floor=10, contribution=2, others=10, lost=0, mpcr=0.4, rule=rule) == 9
    draw = random.Random(1)
    common = {"endowment": 20, "whole_units": True, "rule": rule, "rng": draw}
    assert (
        rule_contribution(round_number=1, floor=0, last_own=None, last_others_mean=None, **common)
        == 10
    )
    assert (
        rule_contribution(round_number=2, floor=0, last_own=10, last_others_mean=10, **common) == 9
    )
    assert (
        rule_contribution(round_number=2, floor=12, last_own=10, last_others_mean=10, **common)
        == 12
    )
    pot, share, payoffs = stage_payoffs({"a": 20, "b": 0, "c": 0, "d": 0}, 20, 1.6)
    assert (pot, share, payoffs["a"], payoffs["b"]) == (32, 8, 8, 28)


def view(**overrides: Any) -> PunishView:
    acts = [
        {"member": "a", "amount": 2.0, "text": "contributed 2"},
        {"member": "b", "amount": 10.0, "text": "contributed 10"},
        {"member": "c", "amount": 12.0, "text": "contributed 12"},
    ]
    data = {
        "agent": "p",
        "round": 1,
        "unit": "tokens",
        "acts": acts,
        "own": {"member": "p", "amount": 12.0, "text": "contributed 12"},
        "cost": 1.0,
        "effect": 3.0,
        "max_points_per_target": 10,
    }
    return PunishView.model_validate({**data, **overrides})


def test_rule_punishers_punish_in_proportion_and_by_price() -> None:
    rule = PunisherRule(severity=1.0)
    # a: 2 against the others' mean (10 + 12 + 12) / 3 = 11.33: ceil(9.33 / 3) = 4 points; b
    # (10) is above the mean of (2, 12, 12), c too.
    assert rule_points(view(), rule) == {"a": 4}
    # Against its own 12: a is 10 short (4 points), b 2 (1 point), unless within a tolerance.
    own = rule.model_copy(update={"reference": "own"})
    assert rule_points(view(), own) == {"a": 4, "b": 1}
    assert rule_points(view(), own.model_copy(update={"tolerance": 2.0})) == {"a": 4}
    # At a cost of 6 a point of effect 3, a unit of loss costs 2: half as willing.
    assert rule_points(view(cost=6.0), rule) == {"a": 2}
    assert rule_points(view(max_points=3), own) == {"a": 3}
    assert rule_points(view(), PunisherRule(severity=0.0)) == {}


def test_a_punishment_reply_is_checked_against_the_phases_facts() -> None:
    facts = {"targets": ["a", "b"], "max_points_per_target": 10, "max_points": 12}
    ok = PunishmentDecision.model_validate(
        {"points": [{"target": "a", "points": 3}], "rationale": "low"}, context=facts
    )
    assert ok.points[0].points == 3
    for bad, message in [
        ({"points": [{"target": "z", "points": 1}]}, "not a member you can punish"),
        ({"points": [{"target": "a", "points": 11}]}, "at most 10 points per member"),
        ({"points": [{"target": "a", "points": 1}, {"target": "a", "points": 1}]}, "at most once"),
        ({"points": [{"target": "a", "points": 9}, {"target": "b", "points": 9}]}, "at most 12"),
        ({"points": [{"target": "a", "points": -1}]}, "greater than or equal to 0"),
    ]:
        with pytest.raises(ValueError, match=message):
            PunishmentDecision.model_validate({**bad, "rationale": "x"}, context=facts)
    assert PunishmentDecision.choices(facts) == ((("points", "target"), ("a", "b")),)


def test_a_contribution_reply_is_checked_against_the_endowment() -> None:
    facts = {"endowment": 20.0, "whole_units": True}
    assert Contribution.model_validate({"contribution": 5, "rationale": "x"}, context=facts)
    for amount, message in [(21, "at most your endowment"), (2.5, "whole number"), (-1, "greater")]:
        with pytest.raises(ValueError, match=message):
            Contribution.model_validate({"contribution": amount, "rationale": "x"}, context=facts)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {
                "public_goods": {"visibility": "total"},
                "institutions": {"punishment": {"enabled": True}},
            },
            "peer punishment needs members to see who contributed what",
        ),
        ({"population": [{"name": "g", "count": 1}]}, "needs 2 to 40 members"),
        ({"public_goods": {"endowmnet": 5}}, "endowmnet"),
        ({"institutions": {"punishment": {"cots": 1}}}, "cots"),
        ({"round": ["contribute", "punish", "close"]}, "institution 'punishment', which is off"),
    ],
)
def test_scenario_errors_name_the_field(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ScenarioError, match=message):
        load_scenario(NONE, overrides)


# --- bounded prompts, a scripted LLM through the real prompts --------------------------------


def test_prompts_stay_bounded_at_the_largest_group_and_history() -> None:
    """40 members (the most a scenario allows), 10 rounds shown, punishment on, 4 memories:
    an agent-round's two prompts stay under 3,000 tokens together."""
    library = PromptLibrary.for_scenario(load_scenario(PEER))
    members = [f"members-{i}" for i in range(1, 41)]
    others = [{"member": m, "amount": 13.0} for m in members[1:]]
    history = [
        {
            "round": r,
            "own": 20.0,
            "others": others if r == 10 else None,  # views list them for the last round only
            "others_total": 13.0 * 39,
            "others_mean": 13.0,
            "payoff": 33.25,
            "points_received": 10,
            "lost": 30.0,
            "spent": 39.0,
        }
        for r in range(10, 0, -1)
    ]
    contribute = {
        "agent": members[0], "round": 11, "rounds": 20, "persona": "You contribute generously.",
        "members": 40, "endowment": 20.0, "multiplier": 1.6, "mpcr": 0.04, "whole_units": True,
        "visibility": "individual", "unit": "tokens", "total_payoff": 333.0, "history": history,
        "punishment": {"cost": 1, "effect": 3, "max_points_per_target": 10, "max_points": None},
        "rule": {}, "floor": 0.0,
    }  # fmt: skip
    schema = [{"name": "contribution", "type": "float", "description": "x" * 80}]
    memories = [{"round": 9, "kind": "contribution", "text": "y" * 200}] * 4
    texts = [
        library.render(
            "pg_contribute", view=contribute, context={"memories": memories}, schema=schema
        ),
        library.render(
            "punish",
            view=view(
                acts=[
                    {"member": m, "amount": 3.0, "text": "contributed 13 of 20"}
                    for m in members[1:]
                ],
                situation=["Round 11 of 20. You contributed 20 of your 20 tokens." * 2] * 2,
                persona="You contribute generously.",
            ),
            context={"memories": memories},
            schema=schema,
        ),
    ]
    sizes = [count_messages([m.content for m in t.messages]) for t in texts]
    print("\nprompt tokens at 40 members, 10 rounds shown:", sizes)
    assert sum(sizes) < 3000


def scripted(request: ScriptedRequest) -> str:
    number = int(request.agent.rsplit("-", 1)[1])
    if request.prompt_id == "pg_contribute":
        if request.agent == "riders-1" and request.round == 2 and request.attempt == 1:
            return json.dumps({"contribution": 25, "rationale": "more than I have"})
        return json.dumps({"contribution": 5 * number, "rationale": "scripted"})
    if request.prompt_id == "punish":
        text = "\n".join(m.content for m in request.messages)
        if request.agent == "punishers-1" and "riders-1 contributed" in text:
            return json.dumps({"points": [{"target": "riders-1", "points": 2}], "rationale": "low"})
        return json.dumps({"points": [], "rationale": "nobody"})
    raise KeyError(request.prompt_id)


@pytest.fixture(scope="module")
def llm_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, ScriptedChatModel]:
    s = load_scenario(PEER, {"rounds": 3, "model": {"name": "scripted:pg"}})
    fake = ScriptedChatModel(responder=scripted)
    out = tmp_path_factory.mktemp("pg-llm")
    result = asyncio.run(run_society(s, out, chat_model_factory=lambda spec: fake, backoff_s=0))
    return result.run_dir, fake


def test_a_scripted_llm_plays_through_the_real_prompts(
    llm_run: tuple[Path, ScriptedChatModel],
) -> None:
    run_dir, fake = llm_run
    events = list(read_events(run_dir))
    calls = Counter(r.prompt_id for r in fake.requests)
    # Two calls per agent-round (contribute, punish), plus the one re-ask of a bad reply.
    assert calls == {"pg_contribute": 4 * 3 + 1, "punish": 4 * 3}
    reask = [r for r in fake.requests if r.agent == "riders-1" and r.round == 2]
    assert "at most your endowment, 20" in reask[1].messages[-1].content
    first = next(r for r in fake.requests if r.prompt_id == "pg_contribute")
    system = first.messages[0].content
    assert "multiplied by 1.6 and shared equally among all 4 members" in system
    assert (
        "costs you 1 tokens and reduces the earnings of the member who receives it by 3" in system
    )
    later = next(r for r in fake.requests if r.prompt_id == "pg_contribute" and r.round == 3)
    user = later.messages[-1].content
    assert "Round 2:" in user and "You received" in user
    punished = of_kind(events, "punishment")
    assert [a.target for e in punished for a in e.assignments] == ["riders-1"] * 3
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics["punishment_points"] == 6 and metrics["institutions"]["punishment"]["spent"] == 6
    rider = [e.payoffs["riders-1"] for e in of_kind(events, "public_goods_round")]
    made = of_kind(events, "contributions")
    assert rider[0] == 20 - 5 + made[0].share - 6  # 2 points at an effect of 3
    assert metrics["llm"]["calls"] == 25 and metrics["failed_decisions"] == 0


def test_inspect_and_report_show_a_public_goods_run(
    llm_run: tuple[Path, ScriptedChatModel], tmp_path: Path
) -> None:
    from cli_in_process import society

    run_dir, _ = llm_run
    shown = society(["inspect", str(run_dir), "--round", "2"])
    assert shown.code == 0, shown.output
    assert "contributions: cooperators-1 5" in shown.output
    assert "punishers-1→riders-1 2" in shown.output
    one = society(["inspect", str(run_dir), "--agent", "riders-1", "--round", "2", "--prompts"])
    assert "at most your endowment" in one.output
    assert (
        "cooperators-1 contribute (llm)" not in one.output
        and "riders-1 contribute (llm)" in one.output
    )
    page = society(["report", str(run_dir), "--out", str(tmp_path / "page.html")])
    assert page.code == 0, page.output
    assert (tmp_path / "page.html").stat().st_size > 1000


def test_memory_on_remembers_punishment(tmp_path: Path) -> None:
    s = load_scenario(PEER, {"rounds": 3, "memory": {"enabled": True, "store": "in_memory"}})
    events = list(read_events(run_society_sync(s, tmp_path).run_dir))
    recalled = of_kind(events, "memory_retrieved")
    assert recalled and of_kind(events, "reflection")
    texts = [m.text for e in recalled if e.round == 3 for m in e.items]
    assert any("punishment point" in t for t in texts)
