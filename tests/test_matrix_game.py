"""The matrix game end to end on the core: the shipped scenarios with rule players and their
invariants, determinism, resume, the pairing schedules, a scripted LLM through the real
prompt (an unusable reply is re-asked, then recorded as a failure and the pair does not play),
the views (inspect, report), wrong matrices (file:line: field, exit status 2) and the
tournament experiment's round-robin table."""

from __future__ import annotations

import asyncio
import json
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
from society.scenario import load_scenario
from society.scenario.loading import ScenarioError
from society.testing import ScriptedChatModel, ScriptedRequest
from society.transcript import read_events
from society.transcript.events import UnknownEvent

MATRIX = SCENARIOS / "matrix"
SHIPPED = ["prisoners-dilemma.yaml", "battle-of-the-sexes.yaml", "tournament.yaml"]


def of_kind(events: list[Any], kind: str) -> list[Any]:
    return [e for e in events if e.kind == kind]


def merged(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in changes.items():
        out[key] = (
            merged(base[key], value)
            if isinstance(value, dict) and isinstance(base.get(key), dict)
            else value
        )
    return out


def load(name: str, matrix: dict[str, Any] | None = None, **overrides: Any) -> Any:
    """A shipped scenario with top-level overrides; `matrix` changes merge into its section."""
    if matrix is not None:
        base = load_scenario(MATRIX / name).model_dump(mode="json")["matrix"]
        overrides["matrix"] = merged(base, matrix)
    return load_scenario(MATRIX / name, overrides)


def run(tmp_path: Path, name: str, **overrides: Any) -> tuple[Path, list[Any], dict[str, Any]]:
    result = run_society_sync(load(name, **overrides), tmp_path)
    events = list(read_events(result.run_dir))
    return result.run_dir, events, json.loads((result.run_dir / "metrics.json").read_text())


@pytest.mark.parametrize("name", SHIPPED)
def test_every_shipped_scenario_plays_with_its_invariants(name: str, tmp_path: Path) -> None:
    _, events, metrics = run(tmp_path, name)
    scenario = events[0].scenario
    assert (
        metrics["rounds_completed"] == scenario["rounds"] and metrics["end_reason"] == "round_limit"
    )
    assert all(not isinstance(e, UnknownEvent) for e in events)
    payoffs = scenario["matrix"]["payoffs"]
    started = {e.round: e for e in of_kind(events, "matrix_round_started")}
    for played in of_kind(events, "pair_played"):
        # Each pair plays its cell of the matrix, and only pairs of that round play.
        assert [played.row_payoff, played.column_payoff] == payoffs[played.row_action][
            played.column_action
        ]
        assert (played.row, played.column) in started[played.round].pairs
    for number, start in started.items():
        seated = [a for pair in start.pairs for a in pair]
        assert len(seated) == len(set(seated))  # one pair per player per round
        assert len(of_kind([e for e in events if e.round == number], "pair_played")) == len(
            start.pairs
        )
    totals = of_kind(events, "matrix_round_finished")[-1].totals
    agents = {a["agent"]: a for a in metrics["agents"]}
    assert {a: pytest.approx(t) for a, t in totals.items()} == {
        a: v["total"] for a, v in agents.items()
    }
    # metrics are a function of the events
    assert compute_run_metrics(events).model_dump(mode="json") == metrics


def test_the_pd_pairs_play_as_their_strategies_say(tmp_path: Path) -> None:
    _, events, metrics = run(tmp_path, "prisoners-dilemma.yaml")
    moves: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for p in of_kind(events, "pair_played"):
        moves.setdefault((p.row, p.column), []).append((p.row_action, p.column_action))
    # Grim trigger never forgives the probe's first-round defection; tit-for-tat does.
    assert moves[("grim-1", "probeA-1")] == [("J", "F")] + [("F", "J")] * 9
    assert moves[("tft-1", "probeB-1")] == [("J", "F"), ("F", "J")] + [("J", "J")] * 8
    # Pavlov against a defector: shifts after every 0 and every 5 (both below 5.75).
    assert moves[("pavlov-1", "defectorA-1")] == [("J", "F"), ("F", "F")] * 5
    assert moves[("dove-1", "defectorB-1")] == [("J", "F")] * 10
    table = {(c["label"], c["opponent"]): c for c in metrics["pairs"]}
    assert table[("always_cooperate", "always_defect")]["measures"]["suckered"] == 1.0
    assert table[("always_defect", "always_cooperate")]["payoff"] == 10.0


def test_the_battle_of_the_sexes_counts_coordination_not_cooperation(tmp_path: Path) -> None:
    _, events, metrics = run(tmp_path, "battle-of-the-sexes.yaml")
    assert metrics["cooperate"] is None and metrics["cooperation_rate"] is None
    by_pair: dict[tuple[str, str], list[Any]] = {}
    for p in of_kind(events, "pair_played"):
        by_pair.setdefault((p.row, p.column), []).append(p)
    # Two alternators coordinate every round, taking turns on whose favourite it is.
    alternators = by_pair[("alternA-1", "alternB-1")]
    assert all(p.row_action == p.column_action for p in alternators)
    assert [p.row_payoff for p in alternators[:2]] == [7.0, 10.0]
    # The stubborn pair never does.
    assert all(p.row_action != p.column_action for p in by_pair[("stubbornJ-1", "stubbornF-1")])
    coordinated = sum(p.row_action == p.column_action for p in of_kind(events, "pair_played"))
    assert metrics["coordination_rate"] == pytest.approx(coordinated / metrics["plays"])


def test_round_robin_meets_everyone_once_per_cycle_and_odd_populations_sit_out(
    tmp_path: Path,
) -> None:
    population = [
        {"name": "tft", "count": 2, "persona": "tit_for_tat"},
        {"name": "alld", "count": 3, "persona": "always_defect"},
    ]
    _, events, metrics = run(
        tmp_path, "tournament.yaml", population=population, matrix={"pairing": {"match_rounds": 2}}
    )
    assert metrics["rounds_completed"] == 5 * 2  # 5 players: 5 stages of 2 rounds
    met = Counter(frozenset((p.row, p.column)) for p in of_kind(events, "pair_played"))
    assert len(met) == 10 and set(met.values()) == {2}  # every pair, one match of 2 rounds
    byes = Counter(a for e in of_kind(events, "matrix_round_started") for a in e.sitting_out)
    assert set(byes.values()) == {2}  # each player sits out one stage (2 rounds)


def test_random_matching_is_seeded_and_rematches_every_match(tmp_path: Path) -> None:
    population = [{"name": "p", "count": 6, "persona": "tit_for_tat"}]
    matrix = {"pairing": {"kind": "random", "match_rounds": 1}}

    def pairs(seed: int, folder: str) -> list[list[tuple[str, str]]]:
        _, events, _ = run(
            tmp_path / folder,
            "prisoners-dilemma.yaml",
            seed=seed,
            rounds=8,
            population=population,
            matrix=matrix,
        )
        return [e.pairs for e in of_kind(events, "matrix_round_started")]

    first = pairs(3, "a")
    assert first == pairs(3, "b")
    assert first != pairs(4, "c")
    assert len({tuple(p) for p in first}) > 1  # re-matched round by round


def test_same_seed_same_bytes_and_a_stopped_run_resumes_byte_identical(tmp_path: Path) -> None:
    scenario = load("tournament.yaml", rounds=24, matrix={"tremble": 0.1})
    whole = run_society_sync(scenario, tmp_path / "a")
    again = run_society_sync(scenario, tmp_path / "b")
    assert (whole.run_dir / "events.jsonl").read_bytes() == (
        again.run_dir / "events.jsonl"
    ).read_bytes()
    control = RunControl()

    def stop_at(number: int, headline: float) -> None:
        if number == 11:
            control.request_stop()

    stopped = run_society_sync(scenario, tmp_path / "c", control=control, on_round_finished=stop_at)
    assert not (stopped.run_dir / "metrics.json").exists()
    finished = asyncio.run(resume_society(stopped.run_dir))
    for name in ("events.jsonl", "metrics.json"):
        assert (finished.run_dir / name).read_bytes() == (whole.run_dir / name).read_bytes()


def test_the_tremble_and_the_matrix_change_outcomes(tmp_path: Path) -> None:
    exact = run(tmp_path / "exact", "tournament.yaml", rounds=40)[2]
    noisy = run(tmp_path / "noisy", "tournament.yaml", rounds=40, matrix={"tremble": 0.2})[2]
    assert noisy["mutual_cooperation_rate"] < exact["mutual_cooperation_rate"]
    # A dearer mutual defection (7, above Pavlov's derived aspiration of 6.25) makes Pavlov
    # stay on it against a defector instead of shifting every other round.
    dearer = {"payoffs": {"J": {"J": [8, 8], "F": [0, 10]}, "F": {"J": [10, 0], "F": [7, 7]}}}
    pd = run(tmp_path / "pd", "prisoners-dilemma.yaml")[2]
    stays = run(tmp_path / "dear", "prisoners-dilemma.yaml", matrix=dearer)[2]

    def pavlov(metrics: dict[str, Any]) -> float:
        return next(s for s in metrics["strategies"] if s["label"] == "win_stay_lose_shift")[
            "mean_payoff"
        ]

    assert pavlov(pd) == pytest.approx(2.5)
    assert pavlov(stays) == pytest.approx((0 + 9 * 7) / 10)


# --- a scripted LLM through the real prompt ----------------------------------------------------


def scripted(request: ScriptedRequest) -> str:
    assert request.prompt_id == "matrix/move"
    text = "\n".join(str(m.content) for m in request.messages)
    if request.agent == "llm-2" and request.round == 3:
        return "I pick the nice one"  # never usable: re-asked, then a failure
    # Tit-for-tat read off the prompt's own history: its last line says what the partner chose
    # ("- In round 2 you chose Option J and probe-1 chose Option F: ...").
    lines = [line for line in text.splitlines() if line.startswith("- In round")]
    action = "J"
    if lines:
        partner_part = lines[-1].split(" and ", 1)[1]
        action = "J" if partner_part.split(" chose ", 1)[1].startswith("Option J") else "F"
    return json.dumps({"action": action, "rationale": "I copy my partner's last move"})


@pytest.fixture(scope="module")
def llm_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, ScriptedChatModel]:
    scenario = load_scenario(
        MATRIX / "prisoners-dilemma.yaml",
        {
            "rounds": 5,
            "llm": {"retries": 1, "on_failure": "skip"},
            "population": [
                {
                    "name": "llm",
                    "count": 2,
                    "persona": "player",
                    "model": {"name": "scripted:matrix"},
                },
                {"name": "probe", "count": 1, "persona": "defect_once"},
                {
                    "name": "llmb",
                    "count": 1,
                    "persona": "player",
                    "model": {"name": "scripted:matrix"},
                },
            ],
        },
    )
    fake = ScriptedChatModel(responder=scripted)
    out = tmp_path_factory.mktemp("matrix-llm")
    result = asyncio.run(
        run_society(scenario, out, chat_model_factory=lambda spec: fake, backoff_s=0)
    )
    return result.run_dir, fake


def test_a_scripted_llm_plays_through_the_real_prompt(
    llm_run: tuple[Path, ScriptedChatModel],
) -> None:
    run_dir, fake = llm_run
    events = list(read_events(run_dir))
    # One call per LLM player and round; llm-2's round-3 reply is re-asked once, then fails.
    calls = Counter((r.agent, r.round) for r in fake.requests)
    assert all(calls[(a, r)] == 1 for a in ("llm-1", "llmb-1") for r in range(1, 6))
    assert calls[("llm-2", 3)] == 2 and sum(calls.values()) == 3 * 5 + 1
    failed = of_kind(events, "decision_failed")
    assert [(f.agent, f.round) for f in failed] == [("llm-2", 3)]
    void = of_kind(events, "pair_void")
    assert [(v.round, v.row, v.column, v.failed) for v in void] == [
        (3, "llm-1", "llm-2", ["llm-2"])
    ]
    plays = {(p.round, p.row): p for p in of_kind(events, "pair_played")}
    # The LLM copied the probe's first-round defection in round 2, then forgave.
    assert [plays[(r, "probe-1")].column_action for r in (1, 2, 3)] == ["J", "F", "J"]
    # The prompt held the payoffs in full and the history of the player's own rounds.
    first = next(r for r in fake.requests if r.agent == "llmb-1" and r.round == 3)
    text = "\n".join(str(m.content) for m in first.messages)
    assert (
        "If you choose Option J and the other player chooses Option F, you win 0 points and the other player wins 10 points."
        in text
    )
    assert "You will play 5 rounds in total, all with the same player." in text
    assert "- In round 1 you chose Option J and probe-1 chose Option F: you won 0 points" in text
    assert "- In round 2 you chose Option F and probe-1 chose Option J" in text
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert (
        metrics["llm"]["calls"] == 16
        and metrics["failed_decisions"] == 1
        and metrics["void_plays"] == 1
    )
    labels = {s["label"] for s in metrics["strategies"]}
    assert labels == {"scripted:matrix", "defect_once"}


def test_inspect_and_report_show_a_matrix_run(
    llm_run: tuple[Path, ScriptedChatModel], tmp_path: Path
) -> None:
    run_dir, _ = llm_run
    shown = society(["inspect", str(run_dir)])
    assert shown.code == 0, shown.output
    assert "round 2 (match 1): llm-1–llm-2, probe-1–llmb-1" in shown.stdout
    assert "probe-1 F (10) vs llmb-1 J (0), round 1 together" in shown.stdout
    assert "not played, no usable decision from llm-2" in shown.stdout
    assert "Mean payoff per round of the row label against the column label" in shown.stdout
    one = society(["inspect", str(run_dir), "--round", "2", "--agent", "llmb-1"])
    assert one.code == 0 and "llmb-1: I copy my partner's last move" in one.stdout
    assert "llm-1 " not in one.stdout  # only its own pair
    prompts = society(["inspect", str(run_dir), "--round", "1", "--agent", "llm-1", "--prompts"])
    assert prompts.code == 0 and "You are playing a game repeatedly" in prompts.stdout
    report = society(["report", str(run_dir)])
    assert report.code == 0, report.output
    page = (run_dir / "report.html").read_text()
    assert len(page) > 1000


def test_validate_accepts_the_shipped_scenarios() -> None:
    for name in SHIPPED:
        outcome = society(["validate", str(MATRIX / name)])
        assert outcome.code == 0, outcome.output


BAD_MATRICES = [
    (
        "J: {J: [8, 8], F: [0, 10]}\n    F: {J: [10, 0]}",
        ":7: matrix.payoffs.F: row 'F' has no cell for column 'F'",
    ),
    ("J: {J: [8, 8], F: [0]}\n    F: {J: [10, 0], F: [5, 5]}", ":6: matrix.payoffs.J.F[1]:"),
    (
        "J: {J: [8, 8], F: [0, 10]}\n    F: {J: [10, 0], F: [5, 5], X: [1, 1]}",
        ":7: matrix.payoffs.F.X: column 'X' is not an action",
    ),
    (
        'J: {J: [8, 8], F: [0, 10]}\n    F: {J: [10, 0], F: [5, "5"]}',
        ":7: matrix.payoffs.F.F[1]: expected a number",
    ),
    ("J: {J: [8, 8], F: [0, 10]}", ":5: matrix.payoffs: no row for action 'F'"),
]


@pytest.mark.parametrize(("payoffs", "error"), BAD_MATRICES)
def test_a_wrong_matrix_names_file_line_and_field_with_status_2(
    payoffs: str, error: str, tmp_path: Path
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        "game: matrix\nname: bad\nmatrix:\n  actions: {J: Option J, F: Option F}\n  payoffs:\n"
        f"    {payoffs}\n  cooperate: J\n  defect: F\npopulation:\n"
        "  - {name: p, count: 2, persona: tit_for_tat}\n",
        encoding="utf-8",
    )
    outcome = society(["validate", str(path)])
    assert outcome.code == 2, outcome.output
    assert f"bad.yaml{error}" in outcome.output and "Traceback" not in outcome.output


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"population": [{"name": "a", "count": 3, "persona": "always_defect"}]},
            "even number of players",
        ),
        (
            {"matrix": {"cooperate": None, "defect": None}},
            "this matrix needs `cooperate` and `defect`",
        ),
        ({"matrix": {"cooperate": "X"}}, "'X' is not an action"),
        ({"matrix": {"defect": None}}, "give both `cooperate` and `defect`"),
        ({"memory": {"enabled": True}}, "keeps no episodic memory"),
        (
            {"population": [{"name": "a", "count": 2, "persona": "player"}]},
            "has no strategy for rule players",
        ),
        ({"matrix": {"told": {"history_rounds": 26}}}, "less than or equal to 25"),
        ({"matrix": {"actions": {"J": "x" * 31, "F": "Option F"}}}, "1 to 30 characters"),
    ],
)
def test_scenario_errors_are_clear(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ScenarioError, match=message):
        load("prisoners-dilemma.yaml", **overrides)


def test_the_tournament_experiment_prints_the_round_robin_table(tmp_path: Path) -> None:
    path = tmp_path / "small.yaml"
    path.write_text(
        f"name: matrix-small\nscenario: {MATRIX / 'tournament.yaml'}\nseeds: 2\n"
        "overrides: {rounds: 30}\n"
        "grid:\n  tremble:\n    exact: {matrix: {tremble: 0}}\n    noisy: {matrix: {tremble: 0.1}}\n",
        encoding="utf-8",
    )
    outcome = society(
        ["experiment", str(path), "--out", str(tmp_path / "out"), "--workers", "1", "--no-plots"]
    )
    assert outcome.code == 0, outcome.output
    assert "payoff per round of the row against the column, mean over 2 runs" in outcome.stdout
    assert "who exploited whom" in outcome.stdout and "always_defect" in outcome.stdout
    summary = (tmp_path / "out" / "summary.md").read_text()
    assert "## Round-robin tables" in summary and "| tit_for_tat |" in summary
    pairs = (tmp_path / "out" / "results" / "pairs.csv").read_text().splitlines()
    assert pairs[0].startswith("cell,tremble,seed,run_id,label,opponent,rounds,payoff")
    assert len(pairs) > 1 + 4 * 7  # every run has several (label, opponent) rows
