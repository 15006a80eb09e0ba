"""The donor game end to end on the core: every variant with rule agents, determinism,
resume, the scripted LLM through the real prompts, and the views (inspect, report)."""

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
from society.transcript.events import UnknownEvent, kinds_for

DONOR = SCENARIOS / "donor"
VARIANTS = ["none.yaml", "costly-punishment.yaml", "partner-choice.yaml"]
SHORT = {"donor": {"generations": 3}}  # 3 × 2 × 12 = 72 rounds


def short(name: str, **overrides: Any) -> Any:
    return load_scenario(DONOR / name, {**SHORT, **overrides})


def of_kind(events: list[Any], kind: str) -> list[Any]:
    return [e for e in events if e.kind == kind]


@pytest.mark.parametrize("name", VARIANTS)
def test_every_variant_plays_to_the_end_with_its_invariants(name: str, tmp_path: Path) -> None:
    scenario = short(name)
    result = run_society_sync(scenario, tmp_path)
    events = list(read_events(result.run_dir))
    settings = scenario.donor
    assert events[-1].kind == "run_finished" and events[-1].end_reason == "round_limit"
    assert events[-1].rounds_completed == scenario.rounds == 72
    # Resources never go negative, before or after any interaction.
    for event in of_kind(events, "donor_round_finished"):
        assert all(value >= 0 for value in event.resources.values())
    for event in of_kind(events, "donation"):
        assert event.donor_resources >= 0 and event.recipient_resources >= 0
        assert event.action in {"none.yaml": {"donate"}, "costly-punishment.yaml": {"donate", "punish"},
                                "partner-choice.yaml": {"donate", "refuse"}}[name]
    # Each member donates N/2 times and receives N/2 times in each game.
    donors = Counter((e.generation, e.game, e.donor) for e in of_kind(events, "donation"))
    recipients = Counter((e.generation, e.game, e.recipient) for e in of_kind(events, "donation"))
    starts = of_kind(events, "generation_started")
    assert len(starts) == settings.generations
    for start in starts:
        for game in range(1, settings.games_per_generation + 1):
            for agent in start.members:
                assert donors[(start.generation, game, agent)] == 6
                assert recipients[(start.generation, game, agent)] == 6
    # The survivors are the top half by the last game's final resources; newcomers take the
    # seats of the others, and the next generation is survivors + newcomers.
    ended = of_kind(events, "generation_ended")
    for end, following in zip(ended, starts[1:], strict=False):
        kept = set(end.survivors)
        assert len(kept) == 6
        assert min(end.scores[a] for a in kept) >= max(
            s for a, s in end.scores.items() if a not in kept
        )
        assert following.survivors == end.survivors
        seats = sorted(int(a.split("_")[1]) for a in end.scores if a not in kept)
        assert following.newcomers == [f"{following.generation}_{s}" for s in seats]
        assert sorted(following.members) == sorted([*end.survivors, *following.newcomers])
        games = of_kind(events, "donor_game_ended")
        last_game = [g for g in games if g.generation == end.generation][-1]
        assert end.scores == last_game.final_resources
    assert ended[-1].survivors == []
    # Metrics recomputed from the events equal metrics.json.
    written = json.loads((result.run_dir / "metrics.json").read_text())
    assert compute_run_metrics(events).model_dump(mode="json") == written
    assert written["generations_completed"] == 3 and len(written["generations"]) == 3


def test_every_event_is_typed_and_round_trips(tmp_path: Path) -> None:
    result = run_society_sync(short("costly-punishment.yaml"), tmp_path)
    known = kinds_for("donor")
    for event in read_events(result.run_dir):
        assert not isinstance(event, UnknownEvent), event.kind
        assert event.kind in known
        again = type(event).model_validate_json(event.model_dump_json())
        assert again == event


def test_same_seed_same_bytes_and_another_seed_differs(tmp_path: Path) -> None:
    runs = [
        run_society_sync(short("partner-choice.yaml", seed=seed), tmp_path / str(i)).run_dir
        for i, seed in enumerate([4, 4, 5])
    ]
    first, again, other = ((r / "events.jsonl").read_bytes() for r in runs)
    assert first == again
    assert first != other


def test_a_run_stopped_at_a_round_boundary_resumes_byte_identical(tmp_path: Path) -> None:
    scenario = short("costly-punishment.yaml", seed=2)
    whole = run_society_sync(scenario, tmp_path / "whole")
    control = RunControl()

    def stop_at(number: int, headline: float) -> None:
        if number == 24:  # the end of generation 1: selection and newcomers come next
            control.request_stop()

    stopped = asyncio.run(
        run_society(scenario, tmp_path / "stopped", control=control, on_round_finished=stop_at)
    )
    assert not stopped.finished
    assert not (stopped.run_dir / "metrics.json").exists()
    finished = asyncio.run(resume_society(stopped.run_dir))
    assert finished.finished
    for name in ("events.jsonl", "metrics.json"):
        assert (finished.run_dir / name).read_bytes() == (whole.run_dir / name).read_bytes()


def scripted(request: ScriptedRequest) -> str:
    seat = int(request.agent.split("_")[1])
    if request.prompt_id == "donor_strategy":
        return json.dumps(
            {
                "strategy": f"My strategy will be to give {10 * (seat % 5)}% to everyone.",
                "rationale": "a scripted strategy",
            }
        )
    if request.prompt_id == "donor_donate":
        return json.dumps(
            {"action": "donate", "fraction": (seat % 5) / 10, "rationale": "as my strategy says"}
        )
    raise KeyError(request.prompt_id)


@pytest.fixture(scope="module")
def llm_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, ScriptedChatModel]:
    scenario = load_scenario(
        DONOR / "none.yaml",
        {
            "donor": {"generations": 2, "games_per_generation": 1},
            "model": {"name": "scripted:donor"},
            "population": [{"name": "players", "count": 12, "persona": "player"}],
        },
    )
    fake = ScriptedChatModel(responder=scripted)
    out = tmp_path_factory.mktemp("donor-llm")
    result = asyncio.run(
        run_society(scenario, out, chat_model_factory=lambda spec: fake, backoff_s=0)
    )
    return result.run_dir, fake


def test_two_generations_with_a_scripted_llm_through_the_real_prompts(
    llm_run: tuple[Path, ScriptedChatModel],
) -> None:
    run_dir, fake = llm_run
    events = list(read_events(run_dir))
    calls = Counter(r.prompt_id for r in fake.requests)
    # 12 founders and 6 newcomers write a strategy; 6 donors a round for 2 × 12 rounds.
    assert calls == {"donor_strategy": 18, "donor_donate": 6 * 24}
    strategies = of_kind(events, "strategy")
    assert len(strategies) == 18 and all(s.origin == "written" and s.text for s in strategies)
    # A newcomer read the survivors' strategies, with their scores.
    newcomer = next(r for r in fake.requests if r.prompt_id == "donor_strategy" and r.agent.startswith("2_"))
    prompt = "\n".join(m.content for m in newcomer.messages)
    survivors = of_kind(events, "generation_ended")[0].survivors
    assert all(f"- {s} (" in prompt for s in survivors) and "My strategy will be" in prompt
    # A donor saw its own strategy and the recipient's trace.
    later = [r for r in fake.requests if r.prompt_id == "donor_donate" and r.round == 5]
    text = "\n".join(m.content for m in later[0].messages)
    assert "The strategy you chose for this generation" in text and "In round 4" in text
    assert "game 1 of" not in text  # one game per generation here
    donations = of_kind(events, "donation")
    assert all(d.fraction == (int(d.donor.split("_")[1]) % 5) / 10 for d in donations)
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics["llm"]["calls"] == 18 + 6 * 24 and metrics["generations_completed"] == 2


def test_rule_agents_respond_to_the_variant_and_the_gain(tmp_path: Path) -> None:
    """A true defector (gives nothing, fears nothing) ends poorer where reciprocators can
    punish it; a higher gain makes everyone richer."""
    personas = {
        "defector": {"description": "x", "strategy": {"kind": "fixed", "fraction": 0.0, "threshold": 0.0}},
        "punisher": {
            "description": "y",
            "strategy": {"kind": "reciprocator", "fraction": 0.5, "punish_probability": 1.0},
        },
    }
    population = [
        {"name": "defectors", "count": 2, "persona": "defector"},
        {"name": "punishers", "count": 10, "persona": "punisher"},
    ]

    def defectors_resources(variant: str) -> float:
        scenario = load_scenario(
            DONOR / "none.yaml",
            {"donor": {"generations": 1, "variant": variant}, "personas": personas, "population": population},
        )
        run = run_society_sync(scenario, tmp_path / variant)
        end = of_kind(list(read_events(run.run_dir)), "generation_ended")[0]
        return sum(end.scores[a] for a in ("1_1", "1_2"))

    assert defectors_resources("costly_punishment") < defectors_resources("none")

    def headline(gain: float) -> float:
        scenario = short("none.yaml", donor={"generations": 1, "cooperation_gain": gain})
        run = run_society_sync(scenario, tmp_path / f"gain-{gain}")
        return json.loads((run.run_dir / "metrics.json").read_text())["first_mean_final_resources"]

    assert headline(1.0) == pytest.approx(10.0)  # no surplus: rule donors give nothing
    assert headline(3.0) > headline(2.0) > headline(1.0)


def test_inspect_and_report_show_a_donor_run(
    llm_run: tuple[Path, ScriptedChatModel], tmp_path: Path
) -> None:
    run_dir, _ = llm_run
    shown = society(["inspect", str(run_dir)])
    assert shown.code == 0, shown.output
    assert "generation 2" in shown.stdout and "survivors" in shown.stdout
    assert "saw:" in shown.stdout and "My strategy will be" in shown.stdout
    newcomer = of_kind(list(read_events(run_dir)), "generation_started")[1].newcomers[0]
    one = society(["inspect", str(run_dir), "--round", "13", "--agent", newcomer])
    assert one.code == 0 and "round 13" in one.stdout
    acts = [line for line in one.stdout.splitlines() if "→" in line and "):" in line]
    assert acts and all(newcomer in line for line in acts)  # only its own interactions
    prompts = society(["inspect", str(run_dir), "--round", "1", "--prompts"])
    assert prompts.code == 0 and "You are a player in a game" in prompts.stdout
    report = society(["report", str(run_dir)])
    assert report.code == 0, report.output
    assert (run_dir / "report.html").is_file()


def test_report_page_in_headless_chromium(
    llm_run: tuple[Path, ScriptedChatModel], tmp_path: Path
) -> None:
    from society.report import write_run_report
    from society.report.headless import find_chromium, headless_page

    if find_chromium() is None:
        pytest.skip("Chromium is not installed")
    page_file = write_run_report(llm_run[0], tmp_path / "report.html")
    with headless_page() as page:
        page.goto(page_file.resolve().as_uri())
        page.wait_for_selector("body[data-ready='1']")
        overview = page.locator("[data-view='overview']")
        assert overview.locator("svg polyline").count() >= 1
        text = overview.inner_text()
        assert "Mean final resources per generation" in text
        assert "My strategy will be to give" in text  # strategies appear
        page.screenshot(path=str(tmp_path / "donor-overview.png"), full_page=True)
        page.click("a[data-tab='round']")
        page.wait_for_selector("[data-view='round']")
        page.goto(page_file.resolve().as_uri() + "#view=round&r=3")
        page.wait_for_selector("[data-view='round'] [data-section='Donations']")
        donations = page.locator("[data-section='Donations']").inner_text()
        assert "gave" in donations and "recipient got" in donations
        page.screenshot(path=str(tmp_path / "donor-round.png"), full_page=True)
    assert (tmp_path / "donor-overview.png").stat().st_size > 0


def test_validate_accepts_the_shipped_donor_scenarios() -> None:
    for name in [*VARIANTS]:
        outcome = society(["validate", str(DONOR / name)])
        assert outcome.code == 0, outcome.output
        assert "240 rounds" in outcome.stdout


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"rounds": 500}, "at most generations × games_per_generation × rounds_per_game"),
        ({"population": [{"name": "a", "count": 11, "persona": "fixed_0"}]}, "even number"),
        ({"donor": {"rounds_per_game": 10}}, "multiple of the number of agents"),
        ({"memory": {"enabled": True}}, "no episodic memory"),
        ({"population": [{"name": "a", "count": 12, "persona": "neutral"}]}, "unknown persona"),
    ],
)
def test_scenario_errors_are_clear(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ScenarioError, match=message):
        load_scenario(DONOR / "none.yaml", overrides)


def test_a_shorter_rounds_stops_early_and_counts_completed_generations(tmp_path: Path) -> None:
    run = run_society_sync(short("none.yaml", rounds=30), tmp_path)
    metrics = json.loads((run.run_dir / "metrics.json").read_text())
    assert metrics["rounds_completed"] == 30 and metrics["generations_completed"] == 1


def donor_experiment(folder: Path, anova: str = "") -> Path:
    path = folder / "donor-small.yaml"
    path.write_text(
        f"""\
name: donor-small
scenario: {DONOR / "_base.yaml"}
seeds: 2
overrides: {{donor: {{generations: 2}}}}
grid:
  variant:
    none: {{donor: {{variant: none}}}}
    costly_punishment: {{donor: {{variant: costly_punishment}}}}
  gain:
    two: {{}}
    three: {{donor: {{cooperation_gain: 3}}}}
{anova}""",
        encoding="utf-8",
    )
    return path


def test_experiment_runs_donor_cells_and_prints_the_donor_table(tmp_path: Path) -> None:
    path = donor_experiment(tmp_path, "anova: {factors: [variant, gain], responses: [last_mean_final_resources]}\n")
    outcome = society(["experiment", str(path), "--out", str(tmp_path / "out"), "--workers", "1", "--no-plots"])
    assert outcome.code == 0, outcome.output
    assert "resources last gen" in outcome.stdout and "donated" in outcome.stdout
    assert "8 runs done" in outcome.stdout
    summary = (tmp_path / "out" / "summary.md").read_text()
    assert "| costly_punishment | three |" in summary and "last_mean_final_resources" in summary
    rounds = (tmp_path / "out" / "results" / "rounds.csv").read_text().splitlines()
    assert rounds[0].count("generation") and len(rounds) == 1 + 8 * 2  # a row per generation


def test_experiment_anova_names_only_the_games_numbers(tmp_path: Path) -> None:
    from society.experiments.spec import load_experiment

    path = donor_experiment(tmp_path, "anova: {factors: [variant, gain], responses: [survival_time]}\n")
    with pytest.raises(ScenarioError, match="not a per-run number of game 'donor'"):
        load_experiment(path)


def test_dry_run_measures_a_whole_generation() -> None:
    from society.coordinator.dry_run import estimate

    scenario = load_scenario(
        DONOR / "none.yaml",
        {"model": {"name": "openai:gpt-4o-mini"}, "population": [{"name": "p", "count": 12, "persona": "player"}]},
    )
    found = asyncio.run(estimate(scenario, retry_rate=0.0))
    # Generation 1: 12 strategy calls and 6 donations in each of its 24 rounds, over 10 generations
    # (later generations have 6 newcomers, so this is 54 calls high out of 1,506).
    assert found.sampled_rounds == 24
    assert found.calls == pytest.approx((12 + 6 * 24) * 10)
    # 12 agents play at once (the run has 120 seats over 10 generations): per agent and
    # round, (12 + 6·24) calls over 12 agents × 24 rounds.
    (model,) = found.models
    assert model.agents == 12
    assert model.calls_per_agent_round == pytest.approx((12 + 6 * 24) / 12 / 24)


def test_experiment_plots_per_generation_and_notes_in_donor_terms(tmp_path: Path) -> None:
    path = donor_experiment(tmp_path, "")
    outcome = society(["experiment", str(path), "--out", str(tmp_path / "out"), "--workers", "1"])
    assert outcome.code == 0, outcome.output
    plots = tmp_path / "out" / "results" / "plots"
    for name in ("resources", "donated", "punishment_rate"):
        assert (plots / f"{name}.png").stat().st_size > 0, name
    assert not (plots / "refusal_rate.png").exists()  # no variant here refuses
    summary = (tmp_path / "out" / "summary.md").read_text()
    assert "mean final resources of a generation" in summary
    assert "harvest" not in summary and "GovSim" not in summary
    assert "![resources](results/plots/resources.png)" in summary
