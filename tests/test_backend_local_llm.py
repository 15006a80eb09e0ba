"""Opt-in: 2 agents × 3 rounds against the real small model served by shared/tools/local-llm.

    shared/tools/local-llm setup && shared/tools/local-llm serve
    pytest -m local_llm -s tests/test_backend_local_llm.py

Skipped unless selected with `-m local_llm` (or SOCIETY_LOCAL_LLM=1), and skipped with the
reason when no server answers at LOCAL_LLM_BASE_URL (default http://127.0.0.1:8088/v1).
Prints the parse-failure and retry counts and the wall time of each run. The fidelity check
runs the GovSim fishery and one paper cell as shipped for 2 rounds each, audits every prompt
they sent (society/games/commons/prompt_audit.py) and prints calls, tokens, unusable replies
and failed decisions per phase.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import scenario

from society.backends.resolve import init_chat_model_factory
from society.coordinator.runner import run_society
from society.transcript import Decision, DecisionFailed, LLMCall, RunFinished, read_events

pytestmark = pytest.mark.local_llm

PORT = os.environ.get("LOCAL_LLM_PORT", "8088")
BASE_URL = os.environ.get("LOCAL_LLM_BASE_URL", f"http://127.0.0.1:{PORT}/v1")
MODEL = os.environ.get("LOCAL_LLM_MODEL", "qwen2.5-0.5b")


def _opted_in(config: pytest.Config) -> bool:
    return "local_llm" in (config.getoption("markexpr") or "") or bool(
        os.environ.get("SOCIETY_LOCAL_LLM")
    )


def _server_up() -> bool:
    try:
        with urllib.request.urlopen(f"{BASE_URL}/models", timeout=3) as response:
            return response.status == 200
    except OSError:
        return False


@pytest.fixture
def local_llm(request: pytest.FixtureRequest) -> str:
    if not _opted_in(request.config):
        pytest.skip("opt-in: run with `pytest -m local_llm` (needs shared/tools/local-llm serve)")
    if not _server_up():
        pytest.skip(
            f"no local-llm server at {BASE_URL}: start it with "
            "`shared/tools/local-llm setup && shared/tools/local-llm serve`"
        )
    return BASE_URL


@pytest.mark.parametrize("mode", ["auto", "text"])
def test_two_agents_three_rounds_on_the_real_small_model(
    local_llm: str, mode: str, tmp_path: Path
) -> None:
    s = scenario(
        "paper/_base.yaml",
        name=f"local-llm-{mode}",
        rounds=3,
        model={
            "name": f"openai:{MODEL}",
            "base_url": local_llm,
            "temperature": 0.0,
            "max_tokens": 200,
            "structured_output": mode,
            "timeout_s": 120,
            "max_concurrency": 2,
        },
        population=[{"name": "villagers", "count": 2, "persona": "neutral"}],
    )
    started = time.perf_counter()
    result = asyncio.run(run_society(s, tmp_path, chat_model_factory=init_chat_model_factory))
    wall = time.perf_counter() - started
    events = list(read_events(result.run_dir))

    finished = next(e for e in events if isinstance(e, RunFinished))
    calls = [e for e in events if isinstance(e, LLMCall)]
    decisions = [e for e in events if isinstance(e, Decision)]
    failures = [e for e in events if isinstance(e, DecisionFailed)]
    usage = result.metrics.llm
    figures = {
        "mode": mode,
        "resolved_mode": sorted({c.output_mode for c in calls}),
        "rounds_completed": finished.rounds_completed,
        "end_reason": finished.end_reason,
        "calls": usage.calls,
        "decisions": len(decisions),
        "failed_decisions": len(failures),
        "unusable_replies": usage.unusable_replies,
        "repaired_replies": usage.repaired_replies,
        "parse_failure_rate": usage.parse_failure_rate,
        "retries": usage.retries,
        "reasks": usage.reasks,
        "backend_errors": usage.backend_errors,
        "input_tokens": usage.input_tokens,
        "output_tokens": usage.output_tokens,
        "wall_s": round(wall, 1),
    }
    print("\nlocal-llm:", json.dumps(figures))
    assert finished.rounds_completed >= 1
    assert calls and all(c.model == f"openai:{MODEL}" for c in calls)
    assert {c.token_source for c in calls if c.reply is not None} == {"provider"}
    # Every turn ends in a decision that is exactly a parsed reply, or an explicit failure.
    for decision in decisions:
        last = [
            c
            for c in calls
            if (c.agent, c.round, c.phase) == (decision.agent, decision.round, decision.phase)
        ][-1]
        assert last.parsed == decision.decision
    assert len(decisions) + len(failures) == len({(c.agent, c.round, c.phase) for c in calls})


def test_a_short_public_goods_run_with_punishment_on_the_real_small_model(
    local_llm: str, tmp_path: Path
) -> None:
    """4 members × 2 rounds of the public-goods game with peer punishment: two calls per
    agent-round (contribute, punish) through the real prompts."""
    from society.scenario import load_scenario

    s = load_scenario(
        Path(__file__).resolve().parent.parent
        / "scenarios"
        / "public_goods"
        / "fehr-gaechter-punishment.yaml",
        {
            "name": "local-llm-public-goods",
            "rounds": 2,
            "model": {
                "name": f"openai:{MODEL}",
                "base_url": local_llm,
                "temperature": 0.0,
                "max_tokens": 200,
                "timeout_s": 300,  # a shared 2-core machine: a punish call can take minutes
                "max_concurrency": 2,
            },
        },
    )
    started = time.perf_counter()
    result = asyncio.run(run_society(s, tmp_path, chat_model_factory=init_chat_model_factory))
    wall = time.perf_counter() - started
    events = list(read_events(result.run_dir))
    finished = next(e for e in events if isinstance(e, RunFinished))
    calls = [e for e in events if isinstance(e, LLMCall)]
    failures = [e for e in events if isinstance(e, DecisionFailed)]
    usage = result.metrics.llm
    figures = {
        "rounds_completed": finished.rounds_completed,
        "calls": usage.calls,
        "calls_by_phase": {
            p: sum(1 for c in calls if c.phase == p) for p in ("contribute", "punish")
        },
        "decisions": sum(1 for e in events if isinstance(e, Decision)),
        "failed_decisions": len(failures),
        "unusable_replies": usage.unusable_replies,
        "reasks": usage.reasks,
        "mean_contribution": result.metrics.mean_contribution,
        "punishment_points": result.metrics.punishment_points,
        "input_tokens": usage.input_tokens,
        "output_tokens": usage.output_tokens,
        "wall_s": round(wall, 1),
    }
    print("\nlocal-llm public goods:", json.dumps(figures))
    assert finished.rounds_completed == 2
    assert {c.phase for c in calls} <= {"contribute", "punish"}
    # Every turn ended in a parsed decision or an explicit failure, never a default.
    turns = {(c.agent, c.round, c.phase) for c in calls}
    assert figures["decisions"] + len(failures) == len(turns)


def test_a_short_matrix_game_on_the_real_small_model(local_llm: str, tmp_path: Path) -> None:
    """Akata et al.'s Prisoner's Dilemma, 4 rounds: two LLM players (no persona, as in the
    paper) against the defect-once probe and tit-for-tat: one call per LLM player and round."""
    s = scenario(
        "matrix/prisoners-dilemma.yaml",
        name="local-llm-matrix",
        rounds=4,
        model={
            "name": f"openai:{MODEL}",
            "base_url": local_llm,
            "temperature": 0.0,
            "max_tokens": 80,
            "timeout_s": 900,  # a shared CPU can take minutes per reply
            "max_concurrency": 2,
        },
        population=[
            {"name": "llm", "count": 1, "persona": "player"},
            {"name": "probe", "count": 1, "persona": "defect_once", "model": {"name": "rules"}},
            {"name": "llmb", "count": 1, "persona": "player"},
            {"name": "tft", "count": 1, "persona": "tit_for_tat", "model": {"name": "rules"}},
        ],
    )
    started = time.perf_counter()
    result = asyncio.run(run_society(s, tmp_path, chat_model_factory=init_chat_model_factory))
    wall = time.perf_counter() - started
    events = list(read_events(result.run_dir))
    finished = next(e for e in events if isinstance(e, RunFinished))
    calls = [e for e in events if isinstance(e, LLMCall)]
    failures = [e for e in events if isinstance(e, DecisionFailed)]
    usage = result.metrics.llm
    turns = {(c.agent, c.round) for c in calls}
    figures = {
        "rounds_completed": finished.rounds_completed,
        "llm_agent_rounds": len(turns),
        "calls": usage.calls,
        "calls_per_agent_round": round(usage.calls / len(turns), 2),
        "unusable_replies": usage.unusable_replies,
        "failed_decisions": len(failures),
        "void_pairs": result.metrics.void_plays,
        "moves": [
            (e.round, e.row_action, e.column_action) for e in events if e.kind == "pair_played"
        ],
        "input_tokens_per_call": round(usage.input_tokens / usage.calls),
        "wall_s": round(wall, 1),
    }
    print("\nlocal-llm matrix:", json.dumps(figures))
    assert finished.rounds_completed == 4
    assert turns == {(a, r) for a in ("llm-1", "llmb-1") for r in range(1, 5)}
    # Each LLM turn is one call, plus one per re-ask; a failure leaves its pair unplayed.
    assert usage.calls == len(turns) + usage.reasks
    assert result.metrics.void_plays == len(failures)


def test_a_short_partner_choice_run_on_the_real_small_model(local_llm: str, tmp_path: Path) -> None:
    """The partner-choice × punishment scenario, 2 rounds, with two LLM players among rule
    players: up to three calls per LLM agent-round (choose, play, punish)."""
    s = scenario(
        "matrix/partner-choice/choice-punishment.yaml",
        name="local-llm-partner-choice",
        rounds=2,
        model={
            "name": f"openai:{MODEL}",
            "base_url": local_llm,
            "temperature": 0.0,
            "max_tokens": 120,
            "timeout_s": 900,  # a shared CPU can take minutes per reply
            "max_concurrency": 2,
        },
        population=[
            {"name": "llm", "count": 2, "persona": "player"},
            {
                "name": "tft",
                "count": 1,
                "persona": "punishing_tit_for_tat",
                "model": {"name": "rules"},
            },
            {
                "name": "defector",
                "count": 1,
                "persona": "always_defect",
                "model": {"name": "rules"},
            },
        ],
    )
    started = time.perf_counter()
    result = asyncio.run(run_society(s, tmp_path, chat_model_factory=init_chat_model_factory))
    wall = time.perf_counter() - started
    events = list(read_events(result.run_dir))
    finished = next(e for e in events if isinstance(e, RunFinished))
    calls = [e for e in events if isinstance(e, LLMCall)]
    failures = [e for e in events if isinstance(e, DecisionFailed)]
    usage = result.metrics.llm
    turns = {(c.agent, c.round, c.phase) for c in calls}
    figures = {
        "rounds_completed": finished.rounds_completed,
        "calls": usage.calls,
        "calls_by_phase": {
            p: sum(1 for c in calls if c.phase == p) for p in ("choose", "play", "punish")
        },
        "unusable_replies": usage.unusable_replies,
        "failed_decisions": len(failures),
        "refusals": sum(len(e.refusals) for e in events if e.kind == "partners_chosen"),
        "wall_s": round(wall, 1),
    }
    print("\nlocal-llm partner choice:", json.dumps(figures))
    assert finished.rounds_completed == 2
    assert {c.phase for c in calls} <= {"choose", "play", "punish"}
    # Every turn ended in a parsed decision or an explicit failure, never a default.
    decided = sum(1 for e in events if isinstance(e, Decision) and e.agent.startswith("llm"))
    assert decided + len(failures) == len(turns)


def test_a_short_elected_leader_run_on_the_real_small_model(local_llm: str, tmp_path: Path) -> None:
    """GovSim's fishery with an elected leader, 3 fishers × 2 months (the preset's town hall
    left out: only elections and offices on): round 1 has 3 statements, 3 votes and the
    leader's limit; each round 3 catches and a limit."""
    from society.scenario import load_scenario

    s = load_scenario(
        Path(__file__).resolve().parent.parent
        / "scenarios"
        / "govsim"
        / "fishery-elected-leader.yaml",
        {
            "name": "local-llm-elected-leader",
            "rounds": 2,
            "population": [{"name": "fishers", "count": 3, "persona": "neutral"}],
            "information": {"others_actions": False},  # the town hall is replaced: off
            "institutions": {
                "elections": {"enabled": True, "term": 2},
                "offices": {"enabled": True},
            },
            "memory": {"enabled": False},
            "model": {
                "name": f"openai:{MODEL}",
                "base_url": local_llm,
                "temperature": 0.0,
                "max_tokens": 200,
                "timeout_s": 300,
                "max_concurrency": 2,
            },
        },
    )
    started = time.perf_counter()
    result = asyncio.run(run_society(s, tmp_path, chat_model_factory=init_chat_model_factory))
    wall = time.perf_counter() - started
    events = list(read_events(result.run_dir))
    finished = next(e for e in events if isinstance(e, RunFinished))
    calls = [e for e in events if isinstance(e, LLMCall)]
    failures = [e for e in events if isinstance(e, DecisionFailed)]
    usage = result.metrics.llm
    phases = ("campaign", "elect", "set_limit", "harvest")
    held = [e for e in events if e.kind == "election"]
    figures = {
        "rounds_completed": finished.rounds_completed,
        "calls": usage.calls,
        "calls_by_phase": {p: sum(1 for c in calls if c.phase == p) for p in phases},
        "decisions": sum(1 for e in events if isinstance(e, Decision)),
        "failed_decisions": len(failures),
        "unusable_replies": usage.unusable_replies,
        "reasks": usage.reasks,
        "winner": held[0].winner if held else None,
        "limits": [e.limit for e in events if e.kind == "limit_set"],
        "wall_s": round(wall, 1),
    }
    figures["end_reason"] = finished.end_reason
    print("\nlocal-llm elected leader:", json.dumps(figures))
    # A leader may set a limit the lake cannot bear: the run then ends early, by collapse
    # (measured: the 0.5B model set 100 tons, the whole lake, and it collapsed in round 1).
    assert finished.end_reason in ("round_limit", "collapsed")
    assert finished.rounds_completed == 2 or finished.end_reason == "collapsed"
    # Each of the 3 fishers took one statement and one vote turn (a turn may make several
    # calls when the busy server times out: measured 5 vote calls for 3 votes).
    for phase in ("campaign", "elect"):
        assert len({c.agent for c in calls if c.phase == phase}) == 3
    assert {c.phase for c in calls} <= set(phases)
    turns = {(c.agent, c.round, c.phase) for c in calls}
    assert figures["decisions"] + len(failures) == len(turns)


def test_a_short_commons_run_with_generations_on_the_real_small_model(
    local_llm: str, tmp_path: Path
) -> None:
    """GovSim's fishery with 2 fishers over 2 generations of 1 month, memories inherited
    (town hall off): the successors' prompts carry their lineage; calls per agent-round are
    those of a run without generations (the turnover calls nobody)."""
    s = scenario(
        "govsim/fishery-generations.yaml",
        name="local-llm-generations",
        rounds=2,
        generations={"rounds_per_generation": 1, "inherit": ["memories"]},
        institutions={"town_hall": {"enabled": False}},
        information={"others_actions": False},  # no town hall: no catches revealed
        # The small model may empty the lake in round 1: no collapse, so round 2 (the
        # successors' round) is always played.
        commons={
            **scenario("govsim/fishery.yaml").commons.model_dump(mode="json"),
            "collapse": {"below": 0, "checked": "after_harvest"},
        },
        population=[{"name": "fishers", "count": 2, "persona": "neutral"}],
        model={
            "name": f"openai:{MODEL}",
            "base_url": local_llm,
            "temperature": 0.0,
            "max_tokens": 200,
            "timeout_s": 600,  # a shared CPU can take minutes per reply
            "max_concurrency": 2,
        },
    )
    started = time.perf_counter()
    result = asyncio.run(run_society(s, tmp_path, chat_model_factory=init_chat_model_factory))
    wall = time.perf_counter() - started
    events = list(read_events(result.run_dir))
    finished = next(e for e in events if isinstance(e, RunFinished))
    calls = [e for e in events if isinstance(e, LLMCall)]
    failures = [e for e in events if isinstance(e, DecisionFailed)]
    usage = result.metrics.llm
    turns = {(c.agent, c.round, c.phase) for c in calls}
    turnover = next(e for e in events if e.kind == "generation_turnover")
    figures = {
        "rounds_completed": finished.rounds_completed,
        "calls": usage.calls,
        "calls_by_round": {r: sum(1 for c in calls if c.round == r) for r in (1, 2)},
        "unusable_replies": usage.unusable_replies,
        "reasks": usage.reasks,
        "failed_decisions": len(failures),
        "memories_inherited": turnover.memories,
        "wall_s": round(wall, 1),
    }
    print("\nlocal-llm generations:", json.dumps(figures))
    assert finished.rounds_completed == 2
    assert {c.agent for c in calls if c.round == 1} == {"1_1", "1_2"}
    assert {c.agent for c in calls if c.round == 2} == {"2_1", "2_2"}
    decisions = sum(1 for e in events if isinstance(e, Decision))
    assert decisions + len(failures) == len(turns)


@pytest.mark.parametrize("relative", ["govsim/fishery.yaml", "paper/rich-selfish.yaml"])
def test_fidelity_prompts_sent_to_the_real_small_model_state_only_what_is_true(
    local_llm: str, relative: str, tmp_path: Path
) -> None:
    """The shipped GovSim fishery and a paper cell (their own populations and institutions),
    2 rounds each: every prompt the model was sent passes the prompt audit, every turn ends in
    a parsed decision or an explicit failure, and the figures per phase are printed."""
    from society.games.commons.prompt_audit import audit_events
    from society.scenario import load_scenario

    s = load_scenario(
        Path(__file__).resolve().parent.parent / "scenarios" / relative,
        {
            "rounds": 2,
            "model": {
                "name": f"openai:{MODEL}",
                "base_url": local_llm,
                "temperature": 0.0,
                "max_tokens": 400,  # a town-hall summary runs past 200 tokens on the small model
                "timeout_s": 900,  # a shared 2-core machine: a call can take minutes
                "max_concurrency": 2,
            },
        },
    )
    started = time.perf_counter()
    result = asyncio.run(run_society(s, tmp_path, chat_model_factory=init_chat_model_factory))
    wall = time.perf_counter() - started
    events = list(read_events(result.run_dir))
    finished = next(e for e in events if isinstance(e, RunFinished))
    calls = [e for e in events if isinstance(e, LLMCall)]
    failures = [e for e in events if isinstance(e, DecisionFailed)]
    audit = audit_events(events)
    usage = result.metrics.llm
    figures = {
        "scenario": s.name,
        "rounds_completed": finished.rounds_completed,
        "end_reason": finished.end_reason,
        "prompts_audited": audit.prompts,
        "statements_checked": audit.statements,
        "audit_problems": audit.problems,
        "calls": usage.calls,
        "input_tokens": usage.input_tokens,
        "output_tokens": usage.output_tokens,
        "unusable_replies": usage.unusable_replies,
        "failed_decisions": usage.failed_decisions,
        "by_phase": {
            phase: {
                "calls": t.calls,
                "input_tokens": t.input_tokens,
                "output_tokens": t.output_tokens,
                "unusable_replies": t.unusable_replies,
                "failed_decisions": t.failed_decisions,
            }
            for phase, t in sorted(usage.by_phase.items())
        },
        "wall_s": round(wall, 1),
    }
    print("\nlocal-llm fidelity:", json.dumps(figures))
    # Both rounds, unless the model empties the resource (a result, not a fault).
    assert finished.rounds_completed == 2 or finished.end_reason == "collapsed", figures
    assert audit.prompts == len(calls) > 0
    assert audit.problems == []
    turns = {(c.agent, c.round, c.phase) for c in calls}
    decided = {(e.agent, e.round, e.phase) for e in events if isinstance(e, Decision)}
    assert turns <= decided | {(e.agent, e.round, e.phase) for e in failures}
