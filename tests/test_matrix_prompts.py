"""The matrix game's prompt: what a player is told (Akata et al.'s facts: every payoff from its
own side, the history of its own rounds, the horizon), and a bound on its size: one call per
player and round, under 4,000 prompt tokens in the worst case the scenario schema allows."""

from __future__ import annotations

from typing import Any

from conftest import SCENARIOS

from society import tokens
from society.games.matrix.dynamics import history_entry
from society.games.matrix.observation import MoveObservation
from society.games.matrix.scenario import MatrixScenario
from society.games.matrix.settings import MAX_ACTIONS, MAX_HISTORY, MAX_LABEL
from society.games.matrix.views import move_view
from society.prompts import PromptLibrary
from society.scenario import load_scenario

PROMPT_TOKEN_BOUND = 4000


def state_for(
    ids: list[str], recent: list[dict[str, Any]], round_number: int = 3
) -> dict[str, Any]:
    return {
        "round": round_number,
        "pairs": [[ids[0], ids[1]]],
        "relations": {},
        "recent": {ids[0]: recent, ids[1]: []},
        "totals": {ids[0]: 5.0, ids[1]: 15.0},
        "played": {ids[0]: len(recent), ids[1]: len(recent)},
        "agents": {i: {"persona": "player"} for i in ids},
        "inclination": {},
    }


def render(scenario: Any, state: dict[str, Any], agent: str, persona: str = "") -> str:
    view = MoveObservation.model_validate(
        move_view(state, agent, scenario, persona=persona, rule=False)
    )
    rendered = PromptLibrary().render("matrix/move", view=view, context={}, schema=[])
    return "\n".join(m.content for m in rendered.messages)


def pd(**told: Any) -> Any:
    base = load_scenario(SCENARIOS / "matrix" / "prisoners-dilemma.yaml")
    matrix = base.matrix.model_dump(mode="json")
    matrix["told"] = {**matrix["told"], **told}
    return load_scenario(
        SCENARIOS / "matrix" / "prisoners-dilemma.yaml",
        {
            "matrix": matrix,
            "model": {"name": "openai:gpt-4o-mini"},
            "population": [{"name": "p", "count": 2, "persona": "player"}],
        },
    )


def test_the_prompt_bound_holds_in_the_worst_case_the_schema_allows() -> None:
    names = [f"A{i}{'x' * 14}" for i in range(MAX_ACTIONS)]
    actions = {a: (f"Option {i} " + "y" * MAX_LABEL)[:MAX_LABEL] for i, a in enumerate(names)}
    payoffs = {r: {c: [-123456.75, 987654.25] for c in names} for r in names}
    group = "g" + "x" * 31  # the longest group name
    scenario = MatrixScenario.model_validate(
        {
            "game": "matrix",
            "name": "worst",
            "rounds": 10_000,
            "model": {"name": "openai:gpt-4o-mini"},
            "matrix": {
                "actions": actions,
                "payoffs": payoffs,
                "told": {"history_rounds": MAX_HISTORY},
            },
            "population": [{"name": group, "count": 10_000, "persona": "player"}],
        }
    )
    ids = [f"{group}-{i:05d}" for i in range(1, 10_001)]
    recent = [
        history_entry(
            9_000 + k,
            ids[k + 1],
            names[k % MAX_ACTIONS],
            names[(k + 1) % MAX_ACTIONS],
            -123456.75,
            987654.25,
        )
        for k in range(MAX_HISTORY)
    ]
    text = render(scenario, state_for(ids, recent, 9_999), ids[0], persona="z" * 500)
    found = tokens.count_text(text)
    print(f"\nworst-case matrix prompt: {found} tokens")
    assert found < PROMPT_TOKEN_BOUND
    assert (
        text.count("- In round") == MAX_HISTORY and text.count("- If you choose") == MAX_ACTIONS**2
    )


def test_the_pd_prompt_shows_every_payoff_and_the_players_own_history() -> None:
    scenario = pd()
    ids = ["p-1", "p-2"]
    recent = [
        history_entry(1, "p-2", "J", "F", 0.0, 10.0),
        history_entry(2, "p-2", "F", "F", 5.0, 5.0),
    ]
    text = render(scenario, state_for(ids, recent), "p-1")
    assert "You will play 10 rounds in total, all with the same player." in text
    for line in (
        "If you choose Option J and the other player chooses Option J, you win 8 points and the other player wins 8 points.",
        "If you choose Option J and the other player chooses Option F, you win 0 points and the other player wins 10 points.",
        "If you choose Option F and the other player chooses Option J, you win 10 points and the other player wins 0 points.",
        "If you choose Option F and the other player chooses Option F, you win 5 points and the other player wins 5 points.",
    ):
        assert line in text
    assert (
        "- In round 1 you chose Option J and p-2 chose Option F: you won 0 points and p-2 won 10 points."
        in text
    )
    assert "You are playing round 3, with p-2." in text
    own = render(
        pd(payoffs="own", partner_names=False, horizon=False), state_for(ids, recent), "p-1"
    )
    assert "other player wins" not in own and "p-2" not in own and "10 rounds" not in own
    assert (
        "- In round 1 you chose Option J and the other player chose Option F: you won 0 points."
        in own
    )
    short = render(pd(history_rounds=1), state_for(ids, recent[-1:]), "p-1")
    assert "round 1 you chose" not in short and "- In round 2 you chose Option F" in short


def test_the_option_order_is_shuffled_per_round_and_seeded() -> None:
    scenario = pd(shuffle_options=True)
    ids = ["p-1", "p-2"]
    orders = {
        number: render(scenario, state_for(ids, [], number), "p-1")
        .split("Which option do you choose, ")[1]
        .split("?")[0]
        for number in range(1, 21)
    }
    assert set(orders.values()) == {"Option J or Option F", "Option F or Option J"}
    assert orders == {
        number: render(scenario, state_for(ids, [], number), "p-1")
        .split("Which option do you choose, ")[1]
        .split("?")[0]
        for number in range(1, 21)
    }
    fixed = pd(shuffle_options=False)
    assert all(
        "Which option do you choose, Option J or Option F?"
        in render(fixed, state_for(ids, [], n), "p-1")
        for n in range(1, 6)
    )


def test_the_column_player_sees_the_battle_of_the_sexes_from_its_own_side() -> None:
    base = load_scenario(SCENARIOS / "matrix" / "battle-of-the-sexes.yaml")
    scenario = load_scenario(
        SCENARIOS / "matrix" / "battle-of-the-sexes.yaml",
        {
            "model": {"name": "openai:gpt-4o-mini"},
            "personas": {},
            "population": [{"name": "p", "count": 2, "persona": "player"}],
        },
    )
    assert base.matrix == scenario.matrix
    ids = ["p-1", "p-2"]
    row = render(scenario, state_for(ids, []), "p-1")
    column = render(scenario, state_for(ids, []), "p-2")
    both_j = "If you choose Option J and the other player chooses Option J, you win {} points and the other player wins {} points."
    assert both_j.format(10, 7) in row and both_j.format(7, 10) in column


def test_the_last_round_of_akatas_game_shows_the_nine_before_it() -> None:
    """The whole history of a 10-round game (told.history_rounds 10) at round 10."""
    ids = ["p-1", "p-2"]
    recent = [history_entry(k, "p-2", "J", "F", 0.0, 10.0) for k in range(1, 10)]
    text = render(pd(), state_for(ids, recent, 10), "p-1")
    assert text.count("- In round") == 9 and "Your rounds so far, oldest first:" in text
    assert tokens.count_text(text) < 600  # about 530 tokens
