"""Framework overhead of `run_society`: wall time per agent-round and transcript events per second.

Three measurements, each run `--repeats` times and reported as the median:

1. rule-based agents (no model at all): the cost of the coordinator graph, the agent graph,
   the rules mind, memory, the transcript and the end-of-run metrics;
2. LLM agents on `ScriptedChatModel` answering instantly with a valid reply to every prompt
   (harvest effort, reflection): adds prompt rendering, the LangChain call, reply parsing,
   token counting and `llm_call` events;
3. a concurrency check: the scripted model waits `--latency` seconds per call. If the agents'
   calls overlap, a round costs one latency per phase with calls (or ceil(N / cap) with a cap
   on calls in flight), whatever the number of agents.

Every run uses scenarios/paper/_base.yaml, as shipped apart from these overrides: one group of
N neutral agents, `--rounds` rounds, and a commons scaled to keep the 10-agent paper economy per
agent so that no run ends early (collapse, starvation): capacity = 300·N/10 and productivity =
0.1·10/N (N = 10 is the paper commons unchanged). Each run is checked to have completed all its
rounds with no failed decision.

    /work/venv/bin/python bench/overhead.py                       # defaults, as in BENCHMARKS.md
    /work/venv/bin/python bench/overhead.py --agents 10,100 --repeats 1 --json
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import json
import math
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

# Run as `python bench/overhead.py`, Python puts bench/ first on sys.path: drop it, so a
# script here can never shadow one of the project's top-level packages.
_BENCH_DIR = Path(__file__).resolve().parent
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != _BENCH_DIR]

from society.coordinator.gc_tuning import tuned_gc  # noqa: E402
from society.coordinator.runner import run_society  # noqa: E402
from society.scenario.loading import load_scenario, load_scenario_with_data  # noqa: E402
from society.scenario.schema import ModelSpec, Scenario  # noqa: E402
from society.testing import ScriptedChatModel, ScriptedRequest, effort_reply  # noqa: E402
from society.transcript.writer import EVENTS_FILE  # noqa: E402

REPO = _BENCH_DIR.parent
BASE_SCENARIO = REPO / "scenarios" / "paper" / "_base.yaml"
PAPER_AGENTS = 10  # the paper commons (capacity 300, productivity 0.1) is sized for 10 agents
SCRIPTED_MODEL = "scripted:bench"
NEUTRAL_EFFORT = 0.35  # the built-in neutral persona's effort; the scripted model answers it
# A valid reply per prompt id the paper scenario's LLM agents are asked.
SCRIPTED_REPLIES = {
    "harvest_effort": effort_reply(NEUTRAL_EFFORT),
    "reflect": json.dumps(
        {"insight": "Steady, moderate effort keeps the stock up.", "importance": 5}
    ),
}
TURN_EVENTS = {"decision", "decision_failed"}  # one per agent turn (agent-graph entry)


@dataclass(frozen=True)
class RunStats:
    """One `run_society` call."""

    wall_s: float
    cpu_s: float  # process CPU time, all threads
    events: int
    turns: int  # agent turns: decision and decision_failed events
    llm_calls: int
    ideal_latencies: int  # Σ over (round, phase) of ceil(calls / cap): if all calls overlap


@dataclass(frozen=True)
class Measurement:
    mind: str
    agents: int
    rounds: int
    latency_s: float
    max_concurrency: int | None  # the LLM model's cap on calls in flight (None for rules)
    repeats: int
    wall_s: float  # median over repeats
    wall_min_s: float
    wall_max_s: float
    cpu_s: float  # median process CPU time (all threads) over repeats
    events: int
    turns: int
    llm_calls: int
    ideal_latencies: int
    ms_per_agent_round: float
    events_per_s: float


def commons_for(agents: int, base_commons: dict[str, Any]) -> dict[str, Any]:
    """The paper commons scaled so each of `agents` agents sees the 10-agent economy."""
    commons = copy.deepcopy(base_commons)
    commons["capacity"] = float(base_commons["capacity"]) * agents / PAPER_AGENTS
    commons["productivity"] = float(base_commons["productivity"]) * PAPER_AGENTS / agents
    return commons


def scenario_for(
    mind: str, agents: int, rounds: int, max_concurrency: int | None = None
) -> Scenario:
    """`max_concurrency`: the LLM model's cap on calls in flight (None: the scenario default)."""
    base = load_scenario_with_data(BASE_SCENARIO).data
    overrides: dict[str, Any] = {
        "name": f"bench-{mind}-{agents}",
        "rounds": rounds,
        "commons": commons_for(agents, base["commons"]),
        "population": [{"name": "agents", "count": agents, "persona": "neutral"}],
    }
    if mind == "llm":
        overrides["model"] = {"name": SCRIPTED_MODEL}
        if max_concurrency is not None:
            overrides["model"]["max_concurrency"] = max_concurrency
    return load_scenario(BASE_SCENARIO, overrides)


def concurrency_cap(scenario: Scenario) -> int | None:
    """The LLM model's cap on calls in flight, if the scenario has a model and the field."""
    if scenario.model.name == "rules":
        return None
    return getattr(scenario.model, "max_concurrency", None)


def scripted_reply(request: ScriptedRequest) -> str:
    if request.prompt_id not in SCRIPTED_REPLIES:
        raise LookupError(f"the benchmark has no scripted reply for prompt {request.prompt_id!r}")
    return SCRIPTED_REPLIES[request.prompt_id]


def scripted_factory(latency_s: float) -> Any:
    def factory(spec: ModelSpec) -> ScriptedChatModel:
        # A fresh model per run: its request log does not grow across runs.
        return ScriptedChatModel(
            responder=scripted_reply, latency_s=latency_s, model_label=spec.name
        )

    return factory


async def _timed_run(scenario: Scenario, out: Path, latency_s: float) -> tuple[float, float, Any]:
    cpu_started = time.process_time()
    started = time.perf_counter()
    result = await run_society(
        scenario, out, chat_model_factory=scripted_factory(latency_s), backoff_s=0.0
    )
    return time.perf_counter() - started, time.process_time() - cpu_started, result


def run_once(scenario: Scenario, workdir: Path, latency_s: float) -> RunStats:
    """One full `run_society` call, transcript and metrics included; checked to be complete."""
    out = Path(tempfile.mkdtemp(dir=workdir))
    try:
        with tuned_gc():  # as `society run` and `run_society_sync` do
            wall, cpu, result = asyncio.run(_timed_run(scenario, out, latency_s))
        metrics = result.metrics
        if metrics.rounds_completed != scenario.rounds or metrics.end_reason != "round_limit":
            raise SystemExit(
                f"{scenario.name}: the run ended early after {metrics.rounds_completed} of "
                f"{scenario.rounds} rounds ({metrics.end_reason}); adjust the commons overrides"
            )
        events = turns = 0
        failed: Counter[str] = Counter()
        calls: Counter[tuple[int, str]] = Counter()
        with (result.run_dir / EVENTS_FILE).open(encoding="utf-8") as handle:
            for line in handle:
                event = json.loads(line)
                kind = event.get("kind")
                events += 1
                turns += kind in TURN_EVENTS
                if kind == "decision_failed":
                    failed[str(event.get("phase"))] += 1
                elif kind == "llm_call":
                    calls[(event["round"], str(event.get("phase")))] += 1
        if failed:
            raise SystemExit(
                f"{scenario.name}: failed decisions by phase {dict(failed)}; the scripted "
                "replies no longer fit the prompts (see SCRIPTED_REPLIES)"
            )
        cap = concurrency_cap(scenario)
        ideal = sum(math.ceil(n / cap) if cap else 1 for n in calls.values())
        return RunStats(wall, cpu, events, turns, sum(calls.values()), ideal)
    finally:
        shutil.rmtree(out, ignore_errors=True)


def measure(
    mind: str,
    agents: int,
    rounds: int,
    repeats: int,
    workdir: Path,
    latency_s: float = 0.0,
    max_concurrency: int | None = None,
) -> Measurement:
    scenario = scenario_for(mind, agents, rounds, max_concurrency)
    cap = concurrency_cap(scenario)
    runs = []
    for repeat in range(1, repeats + 1):
        run = run_once(scenario, workdir, latency_s)
        runs.append(run)
        print(
            f"  {mind:5} agents={agents:<5} rounds={rounds:<3} latency={latency_s:g}s cap={cap} "
            f"repeat {repeat}/{repeats}: {run.wall_s:.3f} s (cpu {run.cpu_s:.3f} s)",
            file=sys.stderr,
            flush=True,
        )
    walls = [run.wall_s for run in runs]
    wall = statistics.median(walls)
    last = runs[-1]  # counts are the same in every repeat (seeded runs)
    return Measurement(
        mind=mind,
        agents=agents,
        rounds=rounds,
        latency_s=latency_s,
        max_concurrency=cap,
        repeats=repeats,
        wall_s=wall,
        wall_min_s=min(walls),
        wall_max_s=max(walls),
        cpu_s=statistics.median(run.cpu_s for run in runs),
        events=last.events,
        turns=last.turns,
        llm_calls=last.llm_calls,
        ideal_latencies=last.ideal_latencies,
        ms_per_agent_round=wall / (agents * rounds) * 1e3,
        events_per_s=last.events / wall,
    )


def llm_rounds_for(agents: int, rounds: int, budget: int) -> int:
    """Rounds for the LLM mind: `rounds`, cut so agents × rounds stays within `budget`."""
    return max(1, min(rounds, budget // agents))


def overhead_table(rows: list[Measurement]) -> str:
    header = (
        f"{'mind':<6} {'agents':>6} {'rounds':>6} {'wall s':>9} {'min-max s':>17} "
        f"{'cpu s':>9} {'ms/agent-round':>14} {'turns/ar':>8} {'calls/ar':>8} "
        f"{'events':>7} {'events/s':>9}"
    )
    lines = [header, "-" * len(header)]
    for m in rows:
        spread = f"{m.wall_min_s:.3f}-{m.wall_max_s:.3f}"
        agent_rounds = m.agents * m.rounds
        lines.append(
            f"{m.mind:<6} {m.agents:>6} {m.rounds:>6} {m.wall_s:>9.3f} {spread:>17} "
            f"{m.cpu_s:>9.3f} {m.ms_per_agent_round:>14.3f} {m.turns / agent_rounds:>8.2f} "
            f"{m.llm_calls / agent_rounds:>8.2f} {m.events:>7} {m.events_per_s:>9.0f}"
        )
    return "\n".join(lines)


@dataclass(frozen=True)
class ConcurrencyCheck:
    agents: int
    rounds: int
    latency_s: float
    max_concurrency: int | None  # cap on calls in flight (None: the model has none)
    round_wall_s: float  # median run wall / rounds, with latency
    latencies_per_round: float  # round_wall_s / latency_s
    instant_round_wall_s: float  # the same run with latency 0
    ratio_vs_instant: float  # wall with latency / wall without
    added_latencies_per_round: float  # (with − without) / rounds / latency
    ideal_latencies_per_round: float  # Σ phases ceil(calls / cap): if all calls overlap
    sequential_latencies_per_round: float  # llm calls per round: if calls ran one by one


def concurrency_check(
    agents: int,
    rounds: int,
    latency_s: float,
    repeats: int,
    workdir: Path,
    max_concurrency: int | None = None,
) -> tuple[ConcurrencyCheck, Measurement, Measurement]:
    slow = measure("llm", agents, rounds, repeats, workdir, latency_s, max_concurrency)
    instant = measure("llm", agents, rounds, repeats, workdir, 0.0, max_concurrency)
    check = ConcurrencyCheck(
        agents=agents,
        rounds=rounds,
        latency_s=latency_s,
        max_concurrency=slow.max_concurrency,
        round_wall_s=slow.wall_s / rounds,
        latencies_per_round=slow.wall_s / rounds / latency_s,
        instant_round_wall_s=instant.wall_s / rounds,
        ratio_vs_instant=slow.wall_s / instant.wall_s,
        added_latencies_per_round=(slow.wall_s - instant.wall_s) / rounds / latency_s,
        ideal_latencies_per_round=slow.ideal_latencies / rounds,
        sequential_latencies_per_round=slow.llm_calls / rounds,
    )
    return check, slow, instant


def concurrency_table(checks: list[ConcurrencyCheck]) -> str:
    header = (
        f"{'agents':>6} {'cap':>5} {'rounds':>6} {'round wall s':>12} {'÷ latency':>9} "
        f"{'instant round s':>15} {'vs instant':>10} {'added ÷ latency':>15} {'ideal':>6} "
        f"{'serial':>6}"
    )
    lines = [header, "-" * len(header)]
    for c in checks:
        cap = "-" if c.max_concurrency is None else str(c.max_concurrency)
        lines.append(
            f"{c.agents:>6} {cap:>5} {c.rounds:>6} {c.round_wall_s:>12.3f} "
            f"{c.latencies_per_round:>9.2f} {c.instant_round_wall_s:>15.3f} "
            f"{c.ratio_vs_instant:>9.2f}x {c.added_latencies_per_round:>15.2f} "
            f"{c.ideal_latencies_per_round:>6.1f} {c.sequential_latencies_per_round:>6.0f}"
        )
    return "\n".join(lines)


def int_list(text: str) -> list[int]:
    try:
        values = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated integers, got {text!r}"
        ) from None
    if not values or any(v < 1 for v in values):
        raise argparse.ArgumentTypeError(f"expected positive integers, got {text!r}") from None
    return values


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=20, help="rounds per run (default 20)")
    parser.add_argument(
        "--agents",
        type=int_list,
        default=[10, 100, 1000],
        help="agent counts (default 10,100,1000)",
    )
    parser.add_argument("--repeats", type=int, default=3, help="runs per configuration (median)")
    parser.add_argument(
        "--minds",
        default="rules,llm",
        help="which minds to measure: rules, llm or both (default rules,llm)",
    )
    parser.add_argument(
        "--llm-agent-rounds",
        type=int,
        default=5000,
        help="LLM runs use min(--rounds, this ÷ agents) rounds (default 5000: 5 rounds at 1,000)",
    )
    parser.add_argument(
        "--concurrency-agents",
        type=int_list,
        default=[10, 100],
        help="agent counts of the concurrency check (default 10,100)",
    )
    parser.add_argument(
        "--concurrency-rounds", type=int, default=3, help="rounds of the concurrency check"
    )
    parser.add_argument(
        "--latency", type=float, default=0.2, help="scripted model latency in the check (s)"
    )
    parser.add_argument("--no-concurrency", action="store_true", help="skip the concurrency check")
    parser.add_argument("--json", action="store_true", help="also print the results as JSON")
    args = parser.parse_args(argv)
    minds = [m.strip() for m in args.minds.split(",") if m.strip()]
    if not minds or any(m not in {"rules", "llm"} for m in minds):
        parser.error(f"--minds: expected rules and/or llm, got {args.minds!r}")
    args.minds = minds
    for name in ("rounds", "repeats", "llm_agent_rounds", "concurrency_rounds"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    if args.latency <= 0:
        parser.error("--latency must be positive")
    return args


def warm_up(minds: list[str], workdir: Path) -> None:
    """One small untimed run per mind: imports, template compilation and the tiktoken encoding
    load happen once per process and are not part of the per-run overhead."""
    for mind in minds:
        run_once(scenario_for(mind, PAPER_AGENTS, 1), workdir, 0.0)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    rows: list[Measurement] = []
    checks: list[ConcurrencyCheck] = []
    check_runs: list[Measurement] = []
    load_before = os.getloadavg()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="society-bench-") as tmp:
        workdir = Path(tmp)
        warm_up(sorted({*args.minds, *([] if args.no_concurrency else ["llm"])}), workdir)
        for mind in args.minds:
            for agents in args.agents:
                rounds = args.rounds
                if mind == "llm":
                    rounds = llm_rounds_for(agents, args.rounds, args.llm_agent_rounds)
                rows.append(measure(mind, agents, rounds, args.repeats, workdir))
        if not args.no_concurrency:
            for agents in args.concurrency_agents:
                # The scenario's default cap on calls in flight; then, if it is below N, the
                # cap lifted to N.
                default_cap = concurrency_cap(scenario_for("llm", agents, 1))
                caps = [None] + (
                    [agents] if default_cap is not None and default_cap < agents else []
                )
                for cap in caps:
                    check, slow, instant = concurrency_check(
                        agents, args.concurrency_rounds, args.latency, args.repeats, workdir, cap
                    )
                    checks.append(check)
                    check_runs.extend([slow, instant])

    load_after = os.getloadavg()
    total_s = time.perf_counter() - started
    machine = {
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
    }
    print(
        f"Machine: {machine['cpu_count']} CPUs, {machine['implementation']} "
        f"{machine['python']}, {machine['platform']}"
    )
    print(
        f"Load average (1 min) before/after: {load_before[0]:.2f}/{load_after[0]:.2f}; "
        f"benchmark took {total_s:.0f} s."
    )
    print(
        f"Each figure: median of {args.repeats} full run_society calls "
        "(transcript, memory and metrics included)."
    )
    print(
        "Commons per run: capacity = 30·N, productivity = 1/N "
        "(the 10-agent paper economy per agent); starvation and end_on_death unchanged."
    )
    if rows:
        print()
        print("Framework overhead (llm = ScriptedChatModel, instant valid replies)")
        print(overhead_table(rows))
        print(
            "ms/agent-round: wall ms ÷ (agents × rounds). turns/ar: agent-graph entries per "
            "agent-round. calls/ar: model calls per agent-round."
        )
    if checks:
        print()
        print(
            f"Concurrency check (ScriptedChatModel, latency {args.latency:g} s per call, "
            f"{args.concurrency_rounds} rounds)"
        )
        print(concurrency_table(checks))
        print(
            "cap: model.max_concurrency, calls in flight at once (first row per N: the "
            "scenario default; second: lifted to N). ÷ latency: round wall time in model "
            "latencies. vs instant: wall time against the same run at latency 0. added ÷ "
            "latency: extra time per round, in latencies. ideal: Σ over phases of "
            "ceil(calls / cap), the added latencies if calls overlap up to the cap. serial: "
            "calls per round, the added latencies if they ran one by one."
        )
    if args.json:
        document = {
            "machine": machine,
            "load_average_before": load_before,
            "load_average_after": load_after,
            "total_s": total_s,
            "settings": {
                "rounds": args.rounds,
                "agents": args.agents,
                "repeats": args.repeats,
                "minds": args.minds,
                "llm_agent_rounds": args.llm_agent_rounds,
                "concurrency_agents": [] if args.no_concurrency else args.concurrency_agents,
                "concurrency_rounds": args.concurrency_rounds,
                "latency_s": args.latency,
                "commons": "capacity = 300*N/10, productivity = 0.1*10/N",
            },
            "overhead": [asdict(m) for m in rows],
            "concurrency": [asdict(c) for c in checks],
            "concurrency_runs": [asdict(m) for m in check_runs],
        }
        print()
        print(json.dumps(document, indent=2))


if __name__ == "__main__":
    main()
