"""Framework overhead of `run_society`: wall time per agent-round and transcript events per second.

Three measurements, each run `--repeats` times and reported as the median:

1. rule-based agents (no model at all): the cost of the coordinator graph, the agent graph,
   the rules mind, the transcript and the end-of-run metrics;
2. LLM agents on `ScriptedChatModel` answering instantly with a valid effort reply: adds the
   prompt rendering, the LangChain call, reply parsing, token counting and `llm_call` events;
3. a concurrency check: the scripted model waits `--latency` seconds per call. If agents run
   concurrently, a round takes about one latency, whatever the number of agents.

Every run uses scenarios/paper/_base.yaml with one group of N neutral agents. So that no run
ends early (collapse, starvation), the commons is scaled to keep the 10-agent paper economy per
agent: capacity = 300·N/10 and productivity = 0.1·10/N (N = 10 is the paper commons unchanged).
Each run is checked to have completed all its rounds.

    /work/venv/bin/python bench/overhead.py                       # defaults, as in BENCHMARKS.md
    /work/venv/bin/python bench/overhead.py --agents 10,100 --repeats 1 --json
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from society.coordinator.runner import run_society
from society.scenario.loading import load_scenario, load_scenario_with_data
from society.scenario.schema import ModelSpec, Scenario
from society.testing import ScriptedChatModel, effort_reply
from society.transcript.writer import EVENTS_FILE

REPO = Path(__file__).resolve().parent.parent
BASE_SCENARIO = REPO / "scenarios" / "paper" / "_base.yaml"
PAPER_AGENTS = 10  # the paper commons (capacity 300, productivity 0.1) is sized for 10 agents
SCRIPTED_MODEL = "scripted:bench"
NEUTRAL_EFFORT = 0.35  # the built-in neutral persona's effort; the scripted model answers it


@dataclass(frozen=True)
class Measurement:
    mind: str
    agents: int
    rounds: int
    latency_s: float
    repeats: int
    wall_s: float  # median over repeats
    wall_min_s: float
    wall_max_s: float
    cpu_s: float  # median process CPU time (all threads) over repeats
    events: int
    ms_per_agent_round: float
    events_per_s: float


def commons_for(agents: int, base_commons: dict[str, Any]) -> dict[str, Any]:
    """The paper commons scaled so each of `agents` agents sees the 10-agent economy."""
    commons = copy.deepcopy(base_commons)
    commons["capacity"] = float(base_commons["capacity"]) * agents / PAPER_AGENTS
    commons["productivity"] = float(base_commons["productivity"]) * PAPER_AGENTS / agents
    return commons


def scenario_for(mind: str, agents: int, rounds: int) -> Scenario:
    base = load_scenario_with_data(BASE_SCENARIO).data
    overrides: dict[str, Any] = {
        "name": f"bench-{mind}-{agents}",
        "rounds": rounds,
        "commons": commons_for(agents, base["commons"]),
        "population": [{"name": "agents", "count": agents, "persona": "neutral"}],
    }
    if mind == "llm":
        overrides["model"] = {"name": SCRIPTED_MODEL}
    return load_scenario(BASE_SCENARIO, overrides)


def scripted_factory(latency_s: float) -> Any:
    def factory(spec: ModelSpec) -> ScriptedChatModel:
        # A fresh model per run: its request log does not grow across runs.
        return ScriptedChatModel(
            responder=lambda request: effort_reply(NEUTRAL_EFFORT),
            latency_s=latency_s,
            model_label=spec.name,
        )

    return factory


async def _timed_run(scenario: Scenario, out: Path, latency_s: float) -> tuple[float, float, Any]:
    cpu_started = time.process_time()
    started = time.perf_counter()
    result = await run_society(
        scenario, out, chat_model_factory=scripted_factory(latency_s), backoff_s=0.0
    )
    return time.perf_counter() - started, time.process_time() - cpu_started, result


def run_once(scenario: Scenario, workdir: Path, latency_s: float) -> tuple[float, float, int]:
    """One full `run_society` call (transcript and metrics included):
    (wall s, process CPU s, events written)."""
    out = Path(tempfile.mkdtemp(dir=workdir))
    try:
        wall, cpu, result = asyncio.run(_timed_run(scenario, out, latency_s))
        metrics = result.metrics
        if metrics.rounds_completed != scenario.rounds or metrics.end_reason != "round_limit":
            raise SystemExit(
                f"{scenario.name}: the run ended early after {metrics.rounds_completed} of "
                f"{scenario.rounds} rounds ({metrics.end_reason}); adjust the commons overrides"
            )
        with (result.run_dir / EVENTS_FILE).open(encoding="utf-8") as handle:
            events = sum(1 for _ in handle)
        return wall, cpu, events
    finally:
        shutil.rmtree(out, ignore_errors=True)


def measure(
    mind: str, agents: int, rounds: int, repeats: int, workdir: Path, latency_s: float = 0.0
) -> Measurement:
    scenario = scenario_for(mind, agents, rounds)
    walls, cpus, events = [], [], 0
    for repeat in range(1, repeats + 1):
        wall, cpu, events = run_once(scenario, workdir, latency_s)
        walls.append(wall)
        cpus.append(cpu)
        print(
            f"  {mind:5} agents={agents:<5} rounds={rounds:<3} latency={latency_s:g}s "
            f"repeat {repeat}/{repeats}: {wall:.3f} s (cpu {cpu:.3f} s)",
            file=sys.stderr,
            flush=True,
        )
    wall = statistics.median(walls)
    return Measurement(
        mind=mind,
        agents=agents,
        rounds=rounds,
        latency_s=latency_s,
        repeats=repeats,
        wall_s=wall,
        wall_min_s=min(walls),
        wall_max_s=max(walls),
        cpu_s=statistics.median(cpus),
        events=events,
        ms_per_agent_round=wall / (agents * rounds) * 1e3,
        events_per_s=events / wall,
    )


def llm_rounds_for(agents: int, rounds: int, budget: int) -> int:
    """Rounds for the LLM mind: `rounds`, cut so agents × rounds stays within `budget`."""
    return max(1, min(rounds, budget // agents))


def overhead_table(rows: list[Measurement]) -> str:
    header = (
        f"{'mind':<6} {'agents':>6} {'rounds':>6} {'wall s':>9} {'min-max s':>17} "
        f"{'cpu s':>9} {'ms/agent-round':>14} {'events':>7} {'events/s':>9}"
    )
    lines = [header, "-" * len(header)]
    for m in rows:
        spread = f"{m.wall_min_s:.3f}-{m.wall_max_s:.3f}"
        lines.append(
            f"{m.mind:<6} {m.agents:>6} {m.rounds:>6} {m.wall_s:>9.3f} {spread:>17} "
            f"{m.cpu_s:>9.3f} {m.ms_per_agent_round:>14.3f} {m.events:>7} {m.events_per_s:>9.0f}"
        )
    return "\n".join(lines)


@dataclass(frozen=True)
class ConcurrencyCheck:
    agents: int
    rounds: int
    latency_s: float
    round_wall_s: float  # median run wall / rounds, with latency
    latencies_per_round: float  # round_wall_s / latency_s
    instant_round_wall_s: float  # the same run with latency 0
    ratio_vs_instant: float  # wall with latency / wall without
    added_latencies_per_round: float  # (with − without) / rounds / latency


def concurrency_check(
    agents: int, rounds: int, latency_s: float, repeats: int, workdir: Path
) -> tuple[ConcurrencyCheck, Measurement, Measurement]:
    slow = measure("llm", agents, rounds, repeats, workdir, latency_s)
    instant = measure("llm", agents, rounds, repeats, workdir, 0.0)
    check = ConcurrencyCheck(
        agents=agents,
        rounds=rounds,
        latency_s=latency_s,
        round_wall_s=slow.wall_s / rounds,
        latencies_per_round=slow.wall_s / rounds / latency_s,
        instant_round_wall_s=instant.wall_s / rounds,
        ratio_vs_instant=slow.wall_s / instant.wall_s,
        added_latencies_per_round=(slow.wall_s - instant.wall_s) / rounds / latency_s,
    )
    return check, slow, instant


def concurrency_table(checks: list[ConcurrencyCheck]) -> str:
    header = (
        f"{'agents':>6} {'rounds':>6} {'latency s':>9} {'round wall s':>12} "
        f"{'÷ latency':>9} {'instant round s':>15} {'vs instant':>10} {'added ÷ latency':>15}"
    )
    lines = [header, "-" * len(header)]
    for c in checks:
        lines.append(
            f"{c.agents:>6} {c.rounds:>6} {c.latency_s:>9.3f} {c.round_wall_s:>12.3f} "
            f"{c.latencies_per_round:>9.2f} {c.instant_round_wall_s:>15.3f} "
            f"{c.ratio_vs_instant:>9.2f}x {c.added_latencies_per_round:>15.2f}"
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
                check, slow, instant = concurrency_check(
                    agents, args.concurrency_rounds, args.latency, args.repeats, workdir
                )
                checks.append(check)
                check_runs.extend([slow, instant])

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
        f"Each figure: median of {args.repeats} full run_society calls "
        "(transcript and metrics included)."
    )
    print(
        "Commons per run: capacity = 30·N, productivity = 1/N "
        "(the 10-agent paper economy per agent); starvation and end_on_death unchanged."
    )
    if rows:
        print()
        print("Framework overhead (llm = ScriptedChatModel, instant valid reply)")
        print(overhead_table(rows))
    if checks:
        print()
        print(
            f"Concurrency check (ScriptedChatModel, latency {args.latency:g} s per call, "
            f"{args.concurrency_rounds} rounds)"
        )
        print(concurrency_table(checks))
        print(
            "÷ latency: round wall time in model latencies (about 1 if calls overlap, N if "
            "sequential); vs instant: wall time against the latency-0 run; added ÷ latency: "
            "extra time per round in latencies."
        )
    if args.json:
        document = {
            "machine": machine,
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
