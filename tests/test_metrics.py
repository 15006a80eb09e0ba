"""compute_metrics on small synthetic transcripts (docs/mechanics.md §6)."""

from __future__ import annotations

from typing import Any

import pytest

from society.analysis.metrics_file import MetricsError
from society.games.commons.dynamics import regrow
from society.games.commons.events import HarvestResolved, RoundFinished, RoundStarted
from society.games.commons.metrics import compute_metrics
from society.scenario.schema import Scenario
from society.transcript.events import (
    AgentInfo,
    ChatMessageRecord,
    Decision,
    DecisionFailed,
    Event,
    LLMCall,
    RunFinished,
    RunStarted,
    parse_event,
)

RUN_ID = "run-test"


def paper_scenario(*, count: int = 2, rounds: int = 3, rate: float = 0.6, **commons: Any) -> dict:
    return Scenario.model_validate(
        {
            "name": "paper-test",
            "seed": 7,
            "rounds": rounds,
            "commons": {"regrowth": {"kind": "logistic", "rate": rate}, **commons},
            "population": [{"name": "a", "count": count}],
        }
    ).model_dump(mode="json")


def govsim_scenario(*, count: int = 5, rounds: int = 12, **commons: Any) -> dict:
    return Scenario.model_validate(
        {
            "name": "govsim-test",
            "rounds": rounds,
            "commons": {
                "harvest": "amount",
                "capacity": 100,
                "regrowth": {"kind": "doubling", "factor": 2},
                "consumption": 0,
                "initial_payoff": 0,
                "starvation": False,
                "end_on_death": False,
                "collapse": {"below": 5, "checked": "after_harvest"},
                "exact_stock_visible": True,
                **commons,
            },
            "population": [{"name": "a", "count": count}],
        }
    ).model_dump(mode="json")


def agent_ids(scenario: dict) -> list[str]:
    return [f"{g['name']}-{n}" for g in scenario["population"] for n in range(1, g["count"] + 1)]


def run_events(
    scenario: dict,
    harvests: list[dict[str, float]],
    end_reason: str | None,
    *,
    alive: list[list[str]] | None = None,
    extra: list[Event] = (),
    finished: bool = True,
) -> list[Event]:
    """A transcript of len(harvests) rounds; the stock follows the scenario's real dynamics."""
    parsed = Scenario.model_validate(scenario)
    params = parsed.commons
    ids = agent_ids(scenario)
    events: list[Event] = [
        RunStarted(
            run_id=RUN_ID,
            round=0,
            scenario_name=parsed.name,
            seed=parsed.seed,
            scenario=scenario,
            scenario_sha256="0" * 64,
            agents=[AgentInfo(id=i, group="a", persona="neutral", model="rules") for i in ids],
            society_version="test",
        ),
        *extra,
    ]
    stock = params.start_stock
    for number, harvested in enumerate(harvests, start=1):
        present = alive[number - 1] if alive else ids
        events.append(RoundStarted(run_id=RUN_ID, round=number, stock=stock, alive=present))
        after = stock - sum(harvested.values())
        events.append(
            HarvestResolved(
                run_id=RUN_ID,
                round=number,
                stock_before=stock,
                stock_after=after,
                requested=dict(harvested),
                harvested=dict(harvested),
                rationed=False,
                skipped=sorted(set(present) - set(harvested)),
            )
        )
        stock = regrow(after, params)
        last = number == len(harvests)
        events.append(
            RoundFinished(
                run_id=RUN_ID,
                round=number,
                stock=stock,
                alive=present,
                end_reason=end_reason if last else None,
            )
        )
    if finished:
        events.append(
            RunFinished(
                run_id=RUN_ID,
                round=len(harvests),
                rounds_completed=len(harvests),
                end_reason=end_reason or "",
                final_stock=stock,
            )
        )
    return events


# --- survival -------------------------------------------------------------------------------


def test_round_limit_survives_all_rounds():
    scenario = paper_scenario(rounds=3)
    metrics = compute_metrics(run_events(scenario, [{"a-1": 5.0, "a-2": 5.0}] * 3, "round_limit"))
    assert metrics.run_id == RUN_ID
    assert metrics.scenario == "paper-test"
    assert metrics.seed == 7
    assert metrics.rounds_limit == 3
    assert metrics.rounds_completed == 3
    assert metrics.end_reason == "round_limit"
    assert metrics.survival_time == 3
    assert metrics.survived is True


@pytest.mark.parametrize("collapse_round", [1, 2, 5])
def test_collapse_in_round_t_gives_t(collapse_round):
    scenario = paper_scenario(rounds=10)
    harvests = [{"a-1": 1.0, "a-2": 1.0}] * collapse_round
    metrics = compute_metrics(run_events(scenario, harvests, "collapsed"))
    assert metrics.rounds_completed == collapse_round
    assert metrics.survival_time == collapse_round  # GovSim's count, tests/test_govsim_metrics.py
    assert metrics.survived is False


def test_death_ends_without_losing_the_round():
    scenario = paper_scenario(rounds=10)
    metrics = compute_metrics(run_events(scenario, [{"a-1": 1.0, "a-2": 0.0}] * 4, "agent_died"))
    assert metrics.survival_time == 4
    assert metrics.survived is False


def test_collapse_in_the_last_round_is_not_survival():
    scenario = govsim_scenario(rounds=2)
    harvests = [{"a-1": 10.0}, {"a-1": 96.0}]
    metrics = compute_metrics(run_events(scenario, harvests, "collapsed"))
    assert metrics.survival_time == 2
    assert metrics.survived is False


def test_unfinished_run_counts_the_rounds_it_has():
    scenario = paper_scenario(rounds=10)
    events = run_events(scenario, [{"a-1": 1.0, "a-2": 1.0}] * 2, None, finished=False)
    metrics = compute_metrics(events)
    assert metrics.rounds_completed == 2
    assert metrics.end_reason is None
    assert metrics.survival_time == 2
    assert metrics.survived is False
    # No run_finished event: the last recorded stock, after regrowth as run_finished would give.
    # 300 − 2 = 298 → 298 + 0.6·298·(2/300) = 299.192; 299.192 − 2 = 297.192 → regrown.
    assert metrics.final_stock == pytest.approx(297.192 + 0.6 * 297.192 * (1 - 297.192 / 300))
    assert metrics.final_stock == events[-1].stock


def test_unfinished_run_without_rounds_reports_the_initial_stock():
    scenario = paper_scenario(rounds=10, initial_stock=250)
    events = run_events(scenario, [], None, finished=False)
    assert compute_metrics(events).final_stock == 250.0
    assert compute_metrics(events).rounds_completed == 0


def test_no_run_started_is_an_error():
    with pytest.raises(MetricsError):
        compute_metrics([RoundStarted(round=1, stock=10.0, alive=["a-1"])])


# --- gain, efficiency, equality ---------------------------------------------------------------


def test_gain_per_agent_and_total():
    scenario = paper_scenario(count=3, rounds=3)
    harvests = [
        {"a-1": 5.0, "a-2": 2.5, "a-3": 0.0},
        {"a-1": 4.0, "a-2": 2.5},  # a-3 skipped its turn
        {"a-1": 1.0, "a-2": 0.0, "a-3": 3.0},
    ]
    metrics = compute_metrics(run_events(scenario, harvests, "round_limit"))
    assert metrics.gain_per_agent == {"a-1": 10.0, "a-2": 5.0, "a-3": 3.0}
    assert metrics.gain_total == 18.0


def test_agent_that_never_harvests_has_zero_gain():
    scenario = paper_scenario(count=2, rounds=1)
    metrics = compute_metrics(run_events(scenario, [{"a-1": 3.0}], "round_limit"))
    assert metrics.gain_per_agent == {"a-1": 3.0, "a-2": 0.0}
    assert metrics.equality == 0.5  # gini([0, 3]) = 1/2


@pytest.mark.parametrize(("rate", "msy"), [(0.6, 45.0), (0.2, 15.0)])
def test_logistic_efficiency_is_harvest_over_t_times_msy(rate, msy):
    scenario = paper_scenario(count=2, rounds=4, rate=rate)
    # Two rounds played out of four: efficiency is still measured against T = 4 rounds of MSY.
    harvests = [{"a-1": 10.0, "a-2": 8.0}, {"a-1": 6.0, "a-2": 6.0}]
    metrics = compute_metrics(run_events(scenario, harvests, "agent_died"))
    assert metrics.efficiency == pytest.approx(30.0 / (4 * msy))


def test_logistic_efficiency_can_exceed_one():
    scenario = paper_scenario(count=2, rounds=1)
    metrics = compute_metrics(run_events(scenario, [{"a-1": 40.0, "a-2": 50.0}], "round_limit"))
    assert metrics.efficiency == pytest.approx(90.0 / 45.0)


@pytest.mark.parametrize(
    ("total", "expected"),
    [(0.0, 0.0), (300.0, 0.5), (540.0, 0.9), (600.0, 1.0), (700.0, 1.0)],
)
def test_govsim_efficiency(total, expected):
    # T·f(0) = 12 · 100/2 = 600; efficiency = 1 − max(0, 600 − Σh)/600.
    scenario = govsim_scenario(count=2, rounds=12, capacity=1000, initial_stock=100)
    rounds = 12
    per_round = total / rounds / 2
    harvests = [{"a-1": per_round, "a-2": per_round}] * rounds
    metrics = compute_metrics(run_events(scenario, harvests, "round_limit"))
    assert metrics.gain_total == pytest.approx(total)
    assert metrics.efficiency == pytest.approx(expected)


def test_govsim_efficiency_uses_the_initial_stock():
    # f(0) = 80/2 = 40, T·f(0) = 3·40 = 120; Σh = 30 → 1 − 90/120 = 0.25.
    scenario = govsim_scenario(count=2, rounds=3, initial_stock=80)
    harvests = [{"a-1": 5.0, "a-2": 5.0}] * 3
    metrics = compute_metrics(run_events(scenario, harvests, "round_limit"))
    assert metrics.efficiency == pytest.approx(0.25)


def test_equality_is_one_minus_gini():
    scenario = paper_scenario(count=4, rounds=1)
    harvests = [{"a-1": 0.0, "a-2": 0.0, "a-3": 0.0, "a-4": 4.0}]
    metrics = compute_metrics(run_events(scenario, harvests, "round_limit"))
    assert metrics.equality == pytest.approx(0.25)  # 1 − 3/4
    harvests = [{"a-1": 1.0, "a-2": 2.0, "a-3": 3.0, "a-4": 4.0}]
    metrics = compute_metrics(run_events(scenario, harvests, "round_limit"))
    assert metrics.equality == pytest.approx(0.75)  # 1 − 1/4


def test_equal_gains_give_equality_exactly_one():
    # 17 equal gains of 0.1: the textbook Gini formula returned −2.2e-16 here, i.e. equality
    # 1.0000000000000002; equality must stay within [0, 1].
    scenario = paper_scenario(count=17, rounds=1)
    harvests = [{agent: 0.1 for agent in agent_ids(scenario)}]
    metrics = compute_metrics(run_events(scenario, harvests, "round_limit"))
    assert metrics.equality == 1.0


def test_no_harvest_at_all():
    scenario = paper_scenario(count=2, rounds=2)
    metrics = compute_metrics(run_events(scenario, [{"a-1": 0.0, "a-2": 0.0}] * 2, "round_limit"))
    assert metrics.gain_total == 0.0
    assert metrics.efficiency == 0.0
    assert metrics.equality == 1.0
    assert metrics.over_usage == 0.0


# --- over-usage -------------------------------------------------------------------------------


def test_over_usage_logistic_against_msy_share():
    # Share = MSY / alive = 45 / 2 = 22.5 per agent; exactly the share is not over-usage.
    scenario = paper_scenario(count=2, rounds=2)
    harvests = [{"a-1": 22.5, "a-2": 30.0}, {"a-1": 10.0, "a-2": 23.0}]
    metrics = compute_metrics(run_events(scenario, harvests, "round_limit"))
    assert metrics.over_usage == pytest.approx(2 / 4)


def test_over_usage_govsim_follows_the_stock():
    # Round 1: stock 100, f = 50, share 25 → 25 ok, 26 over. Stock after 49, regrown to 98.
    # Round 2: f = 49, share 24.5 → 24.5 ok, 24.6 over. Stock after 48.9, regrown to 97.8.
    # Round 3: f = 48.9, share 24.45 → both 20 ok.
    scenario = govsim_scenario(count=2, rounds=3)
    harvests = [{"a-1": 25.0, "a-2": 26.0}, {"a-1": 24.5, "a-2": 24.6}, {"a-1": 20.0, "a-2": 20.0}]
    events = run_events(scenario, harvests, "round_limit")
    stocks = [e.stock_before for e in events if isinstance(e, HarvestResolved)]
    assert stocks == pytest.approx([100.0, 98.0, 97.8])
    metrics = compute_metrics(events)
    assert metrics.over_usage == pytest.approx(2 / 6)


def test_over_usage_share_uses_everyone_alive_at_round_start():
    # Three agents alive, one skipped: the share is f/3 = 15, not f/2 = 22.5.
    scenario = paper_scenario(count=3, rounds=1)
    metrics = compute_metrics(run_events(scenario, [{"a-1": 16.0, "a-2": 14.0}], "round_limit"))
    assert metrics.over_usage == pytest.approx(1 / 2)  # agent-rounds that harvested


def test_over_usage_share_shrinks_with_deaths():
    # After a death only two of three remain: share 45/2 = 22.5 instead of 15.
    scenario = paper_scenario(count=3, rounds=2, end_on_death=False)
    harvests = [{"a-1": 15.0, "a-2": 15.0, "a-3": 0.0}, {"a-1": 20.0, "a-2": 20.0}]
    alive = [["a-1", "a-2", "a-3"], ["a-1", "a-2"]]
    metrics = compute_metrics(run_events(scenario, harvests, "round_limit", alive=alive))
    assert metrics.over_usage == 0.0


# --- decisions and LLM usage ------------------------------------------------------------------


def _llm_call(reply: str | None, error: str | None, tokens: tuple[int, int]) -> LLMCall:
    return LLMCall(
        run_id=RUN_ID,
        round=1,
        agent="a-1",
        phase="harvest",
        model="openai:test",
        prompt_id="harvest",
        template_sha256="0" * 64,
        attempt=1,
        messages=[ChatMessageRecord(role="user", content="How much?")],
        reply=reply,
        parsed={"effort": 0.1} if reply and not error else None,
        error=error,
        input_tokens=tokens[0],
        output_tokens=tokens[1],
        token_source="tiktoken",
    )


def test_llm_usage_counters():
    extra = [
        _llm_call('{"effort": 0.1}', None, (100, 20)),  # fine
        _llm_call(None, "connection refused", (50, 0)),  # backend error: no reply at all
        _llm_call("not json", "could not parse reply", (100, 5)),  # unusable reply
        _llm_call("{}", "effort: field required", (90, 3)),  # unusable reply
        DecisionFailed(
            run_id=RUN_ID,
            round=1,
            agent="a-2",
            phase="harvest",
            attempts=3,
            last_reply="{}",
            error="effort: field required",
            policy="skip",
        ),
        Decision(
            run_id=RUN_ID,
            round=1,
            agent="a-1",
            phase="harvest",
            source="llm",
            decision={"effort": 0.1},
            attempts=1,
        ),
        Decision(
            run_id=RUN_ID,
            round=1,
            agent="a-2",
            phase="harvest",
            source="rules",
            decision={"effort": 0.2},
            attempts=1,
        ),
        Decision(
            run_id=RUN_ID,
            round=2,
            agent="a-1",
            phase="harvest",
            source="llm",
            decision={"effort": 0.3},
            attempts=2,
        ),
    ]
    scenario = paper_scenario(count=2, rounds=1)
    metrics = compute_metrics(run_events(scenario, [{"a-1": 3.0}], "round_limit", extra=extra))
    llm = metrics.llm
    assert llm.calls == 4
    assert llm.input_tokens == 340
    assert llm.output_tokens == 28
    assert llm.backend_errors == 1
    assert llm.unusable_replies == 2
    assert llm.failed_decisions == 1
    assert metrics.decisions_by_source == {"llm": 2, "rules": 1}


def test_rules_only_run_has_no_llm_usage():
    scenario = paper_scenario(count=2, rounds=1)
    metrics = compute_metrics(run_events(scenario, [{"a-1": 3.0, "a-2": 1.0}], "round_limit"))
    usage = metrics.llm.model_dump()
    assert {k: usage[k] for k in ("calls", "input_tokens", "output_tokens")} == {
        "calls": 0,
        "input_tokens": 0,
        "output_tokens": 0,
    }
    assert usage == type(metrics.llm)().model_dump()  # every counter at zero, nothing per model
    assert metrics.decisions_by_source == {}


# --- stored transcripts -----------------------------------------------------------------------


def test_metrics_survive_a_json_round_trip_of_the_events():
    scenario = govsim_scenario(count=3, rounds=4)
    harvests = [{"a-1": 10.0, "a-2": 12.0, "a-3": 30.0}, {"a-1": 10.0, "a-2": 10.0}]
    events = run_events(scenario, harvests, "collapsed", extra=[_llm_call(None, "boom", (1, 0))])
    reloaded = [parse_event(event.model_dump_json()) for event in events]
    assert compute_metrics(reloaded) == compute_metrics(events)
