"""Concurrency of model calls: does a round take about latency × sequential calls per agent,
whatever the number of agents?

A scripted chat model answers every call after a fixed latency (default 200 ms), through the
full backend stack (retry, budget, meter, concurrency cap, per-call timeout). Each society
plays the paper commons (scaled per agent as in bench/overhead.py, so nobody starves) with
LLM agents only. The round wall time is taken between consecutive `round_finished` callbacks
(round 1 is left out: it includes setup), and compared with latency × the sequential calls an
agent makes per round (its `llm_call` events in a round, all phases; 1 with no institutions).

    /work/venv/bin/python bench/concurrency.py                  # 10 and 100 agents, 200 ms
    /work/venv/bin/python bench/concurrency.py --agents 10,100,1000 --latency 0.2 --rounds 6
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import math
import platform
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from society.coordinator.runner import run_society
from society.scenario.loading import load_scenario, load_scenario_with_data
from society.testing import ScriptedChatModel, ScriptedRequest, effort_reply
from society.transcript import LLMCall, read_events

REPO = Path(__file__).resolve().parent.parent
BASE_SCENARIO = REPO / "scenarios" / "paper" / "_base.yaml"
PAPER_AGENTS = 10


@dataclass(frozen=True)
class Row:
    agents: int
    cap: int
    latency_s: float
    rounds: int
    round_wall_s: float  # median over rounds 2..N
    sequential_calls: float  # per agent per round
    expected_s: float  # latency × sequential calls × ceil(agents / cap)
    ratio: float  # round wall / (latency × sequential calls)
    instant_round_wall_s: float  # the same society with latency 0: framework overhead
    added_ratio: float  # (round wall − instant round wall) / (latency × sequential calls)


def scenario_for(agents: int, rounds: int, cap: int) -> Any:
    base = load_scenario_with_data(BASE_SCENARIO).data["commons"]
    commons = dict(base)
    commons["capacity"] = float(base["capacity"]) * agents / PAPER_AGENTS
    commons["productivity"] = float(base["productivity"]) * PAPER_AGENTS / agents
    return load_scenario(
        BASE_SCENARIO,
        {
            "name": f"concurrency-{agents}-cap{cap}",
            "rounds": rounds,
            "commons": commons,
            "model": {"name": "scripted:latency", "max_concurrency": cap},
            "population": [{"name": "agents", "count": agents, "persona": "neutral"}],
        },
    )


def measure(agents: int, cap: int, latency_s: float, rounds: int, reasks: int = 0) -> Row:
    round_wall, sequential = round_time(agents, cap, latency_s, rounds, reasks)
    instant, _ = round_time(agents, cap, 0.0, rounds, reasks)
    return Row(
        agents=agents,
        cap=cap,
        latency_s=latency_s,
        rounds=rounds,
        round_wall_s=round_wall,
        sequential_calls=sequential,
        expected_s=latency_s * sequential * math.ceil(agents / cap),
        ratio=round_wall / (latency_s * sequential),
        instant_round_wall_s=instant,
        added_ratio=(round_wall - instant) / (latency_s * sequential),
    )


def round_time(
    agents: int, cap: int, latency_s: float, rounds: int, reasks: int = 0
) -> tuple[float, int]:
    """Median wall time of rounds 2..N, and the sequential calls per agent-round. With
    `reasks`, each agent's first replies are unusable, so it calls 1 + reasks times in a row."""
    scenario = scenario_for(agents, rounds, cap)

    def reply(request: ScriptedRequest) -> str:
        return "no JSON here" if request.attempt <= reasks else effort_reply(0.35)

    model = ScriptedChatModel(responder=reply, latency_s=latency_s)
    stamps: dict[int, float] = {}

    def finished(number: int, stock: float) -> None:
        stamps[number] = time.perf_counter()

    with tempfile.TemporaryDirectory() as out:
        result = asyncio.run(
            run_society(
                scenario,
                Path(out),
                chat_model_factory=lambda spec: model,
                on_round_finished=finished,
            )
        )
        if result.metrics.rounds_completed != rounds:
            raise SystemExit(f"{scenario.name}: ended early ({result.metrics.end_reason})")
        per_agent_round = Counter(
            (e.agent, e.round) for e in read_events(result.run_dir) if isinstance(e, LLMCall)
        )
    rounds_wall = [b - a for a, b in itertools.pairwise(stamps[n] for n in sorted(stamps))]
    return statistics.median(rounds_wall), max(per_agent_round.values())


def table(rows: list[Row]) -> str:
    header = (
        f"{'agents':>6} {'cap':>6} {'seq calls':>9} {'waves':>5} {'round wall s':>12} "
        f"{'latency 0 s':>11} {'latency×seq×waves s':>19} {'ratio':>6} {'ratio (added)':>13}"
    )
    lines = [header, "-" * len(header)]
    for r in rows:
        waves = math.ceil(r.agents / r.cap)
        lines.append(
            f"{r.agents:>6} {r.cap:>6} {r.sequential_calls:>9.0f} {waves:>5} "
            f"{r.round_wall_s:>12.3f} {r.instant_round_wall_s:>11.3f} {r.expected_s:>19.3f} "
            f"{r.ratio:>6.2f} {r.added_ratio:>13.2f}"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", default="10,100", help="comma-separated agent counts")
    parser.add_argument("--latency", type=float, default=0.2, help="seconds per model call")
    parser.add_argument("--rounds", type=int, default=6, help="rounds per run (≥ 2)")
    parser.add_argument(
        "--reasks",
        type=int,
        default=1,
        help="also measure the largest society with this many unusable replies per agent-round "
        "(sequential calls = 1 + reasks); 0 to skip",
    )
    parser.add_argument(
        "--caps",
        default="0,16,10",
        help="concurrency caps to try per agent count; 0 = no cap (one slot per agent); "
        "16 is ModelSpec.max_concurrency's default",
    )
    args = parser.parse_args()
    rows = []
    for agents in (int(a) for a in args.agents.split(",")):
        caps = sorted({min(int(c) or agents, agents) for c in args.caps.split(",")}, reverse=True)
        for cap in caps:
            rows.append(measure(agents, cap, args.latency, max(2, args.rounds)))
            print(f"  measured agents={agents} cap={cap}", file=sys.stderr, flush=True)
    if args.reasks:
        largest = max(int(a) for a in args.agents.split(","))
        rows.append(measure(largest, largest, args.latency, max(2, args.rounds), args.reasks))
    print(
        f"python {platform.python_version()}, {platform.machine()}, "
        f"latency {args.latency:g} s, rounds {args.rounds} (median of rounds 2..{args.rounds})"
    )
    print(table(rows))
    print(
        "ratio = round wall / (latency × sequential calls per agent); ratio (added) subtracts "
        "the round wall of the same society at latency 0 (framework overhead)."
    )
    for r in rows:
        if r.cap >= r.agents:
            print(
                f"{r.agents} agents, no cap, {r.sequential_calls:.0f} sequential call(s): "
                "round wall / (latency × sequential calls) = "
                f"{r.ratio:.2f} ({r.added_ratio:.2f} without the latency-0 overhead)"
            )


if __name__ == "__main__":
    main()
