"""Framework CPU per model call, and the critical path of a round (issue #16).

Every run is the pinned LLM demo (`tests/pinned/digests.py`, `llm:demo-every-institution`):
`scenarios/demo.yaml` with monitoring, gossip, sanctions, voting and social learning on (five
calls per agent-round: harvest, respond, propose, vote, learn), half altruistic and half
selfish agents, on `ScriptedChatModel` answering the pinned run's replies, except that each
agent's gossip goes to one peer (the next agent by id) instead of everyone: with N agents
each telling all N, every agent's news holds N messages and memory N items per round (O(N²)
state and memory, the game's and the memory store's cost, not the framework's; `--broadcast`
keeps the pinned replies). The commons is scaled per agent as in `bench/overhead.py`
(capacity 30·N, productivity 1/N), so no run ends early; each run is checked to have
completed its rounds with no failed decision.

1. **Framework CPU per call** at 10, 100 and 1,000 agents, memory on (embedded Chroma in the
   run folder, as shipped) and off, on an instant model: process CPU time of the whole
   `run_society` call ÷ model calls. With memory on, the CPU spent inside the memory store's
   own methods (`add`, `retrieve`, ...: Chroma and scoring) is timed separately and
   subtracted: "framework" is everything else (graphs, prompts, parsing, token counts,
   backends, events, metrics, the coordinator's memory bookkeeping).
2. **Round on a 200 ms model, no cap** (`max_concurrency` = N): the median wall time of rounds
   2..R against the ideal, latency × sequential calls per agent-round (5).
3. **1,000 agents × 3 rounds** on the 200 ms model, no cap, memory on: wall time, peak RSS,
   ratio to the ideal.

Each configuration runs in a fresh interpreter (so peak RSS is its own), after an untimed
10-agent round in that interpreter (imports, template compilation, the tiktoken load).
`--reference TREE` runs every configuration for that checkout too (its code on PYTHONPATH,
this script and virtualenv), alternating, and prints before/after side by side.

    .venv/bin/python bench/call_cpu.py                           # defaults, as in BENCHMARKS.md
    .venv/bin/python bench/call_cpu.py --reference /work/main    # before (main) and after
    .venv/bin/python bench/call_cpu.py --agents 10,100 --no-latency --no-large
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import itertools
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

# Run as `python bench/call_cpu.py`, Python puts bench/ first on sys.path: drop it, so a
# script here can never shadow one of the project's top-level packages.
_BENCH_DIR = Path(__file__).resolve().parent
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != _BENCH_DIR]

REPO = _BENCH_DIR.parent
PAPER_AGENTS = 10  # the paper commons (capacity 300, productivity 0.1) is sized for 10 agents


# --- one configuration, in a child process -------------------------------------------------


class TimedMemory:
    """The run's memory store with the process CPU and wall time spent in its methods."""

    TIMED = ("add", "retrieve", "count", "forget_since", "close")

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self.cpu_s = 0.0
        self.wall_s = 0.0

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._inner, name)
        if name not in self.TIMED:
            return value

        def timed(*args: Any, **kwargs: Any) -> Any:
            cpu, wall = time.process_time(), time.perf_counter()
            try:
                return value(*args, **kwargs)
            finally:
                self.cpu_s += time.process_time() - cpu
                self.wall_s += time.perf_counter() - wall

        return timed


class keeper_timer:
    """Process CPU spent in the commons' MemoryKeeper methods (store calls included)."""

    METHODS = ("start", "recall_batch", "remember", "reflect")

    def __init__(self) -> None:
        from society.games.commons.remembering import MemoryKeeper

        self.cpu_s = 0.0
        self.keeper = MemoryKeeper
        self.saved = {name: getattr(MemoryKeeper, name) for name in self.METHODS}
        for name, method in self.saved.items():
            setattr(MemoryKeeper, name, self._timed(method))

    def _timed(self, method: Any) -> Any:
        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.process_time()
            try:
                return method(*args, **kwargs)
            finally:
                self.cpu_s += time.process_time() - started

        return timed

    def restore(self) -> None:
        for name, method in self.saved.items():
            setattr(self.keeper, name, method)


def scenario_for(tree: Path, agents: int, rounds: int, memory: bool, cap: int | None) -> Any:
    from digests import LLM_RUNS  # the pinned run's overrides: every institution on

    from society.scenario.loading import load_scenario, load_scenario_with_data

    relative, pinned = LLM_RUNS["llm:demo-every-institution"]
    base = load_scenario_with_data(tree / "scenarios" / "paper" / "_base.yaml").data["commons"]
    commons = dict(base)
    commons["capacity"] = float(base["capacity"]) * agents / PAPER_AGENTS
    commons["productivity"] = float(base["productivity"]) * PAPER_AGENTS / agents
    overrides = copy.deepcopy(pinned)
    overrides.update(
        name=f"call-cpu-{agents}",
        rounds=rounds,
        commons=commons,
        population=[
            {"name": "altruists", "count": agents // 2, "persona": "altruistic"},
            {"name": "selfish", "count": agents - agents // 2, "persona": "selfish"},
        ],
    )
    if cap is not None:
        overrides["model"] = {**overrides["model"], "max_concurrency": cap}
    if not memory:
        overrides["memory"] = {"enabled": False}
    return load_scenario(tree / "scenarios" / relative, overrides)


def responder(broadcast: bool, agents: list[str]) -> Any:
    """The pinned run's replies; gossip to the next agent by id unless `broadcast`."""
    from digests import scripted_reply

    following = {agent: agents[(i + 1) % len(agents)] for i, agent in enumerate(agents)}

    def reply(request: Any) -> str:
        if broadcast or request.prompt_id != "respond":
            return scripted_reply(request)
        found = json.loads(scripted_reply(request))
        for message in found["messages"]:
            message["to"] = following[request.agent]
        return json.dumps(found)

    return reply


def play(tree: Path, config: dict[str, Any], workdir: Path) -> dict[str, Any]:
    """One run_society call of `config`, timed; checked to be complete."""

    import society.coordinator.runner as runner
    from society.coordinator.gc_tuning import tuned_gc
    from society.core.agents import agents_of
    from society.testing import ScriptedChatModel

    agents, rounds, latency = config["agents"], config["rounds"], config["latency_s"]
    scenario = scenario_for(tree, agents, rounds, config["memory"], config.get("cap"))
    timed: list[TimedMemory] = []
    opened = runner.open_run_memory

    def open_timed(*args: Any) -> Any:
        store = opened(*args)
        if store is None:
            return None
        timed.append(TimedMemory(store))
        return timed[-1]

    runner.open_run_memory = open_timed  # type: ignore[assignment]
    keeper = keeper_timer()
    # The first report of each round (a reference checkout before the fix reported twice).
    stamps: dict[int, float] = {}
    model = ScriptedChatModel(
        responder=responder(
            config.get("broadcast", False), sorted(a.id for a in agents_of(scenario))
        ),
        latency_s=latency,
    )
    out = Path(tempfile.mkdtemp(dir=workdir))
    try:
        with tuned_gc():
            cpu, wall = time.process_time(), time.perf_counter()
            result = asyncio.run(
                runner.run_society(
                    scenario,
                    out,
                    chat_model_factory=lambda spec: model,
                    backoff_s=0.0,
                    on_round_finished=lambda number, headline: stamps.setdefault(
                        number, time.perf_counter()
                    ),
                    # Opt-in (a reference checkout may not know the option): the agent
                    # graph's nodes called directly, without the LangGraph runtime.
                    **({"direct_turns": True} if config.get("direct_turns") else {}),
                )
            )
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    finally:
        runner.open_run_memory = opened  # type: ignore[assignment]
        keeper.restore()
    metrics = result.metrics
    if metrics.rounds_completed != rounds or metrics.end_reason != "round_limit":
        raise SystemExit(
            f"{scenario.name}: ended after {metrics.rounds_completed} of {rounds} rounds "
            f"({metrics.end_reason})"
        )
    kinds: Counter[str] = Counter()
    per_agent_round: Counter[tuple[str, int]] = Counter()
    with (result.run_dir / "events.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            event = json.loads(line)
            kinds[event["kind"]] += 1
            if event["kind"] == "llm_call":
                per_agent_round[(event["agent"], event["round"])] += 1
    if kinds["decision_failed"]:
        raise SystemExit(f"{scenario.name}: {kinds['decision_failed']} failed decisions")
    ends = [stamps[number] for number in sorted(stamps)]
    round_walls = [b - a for a, b in itertools.pairwise(ends)]
    memory_cpu = sum(t.cpu_s for t in timed)
    return {
        "wall_s": wall,
        "cpu_s": cpu,
        "memory_cpu_s": memory_cpu,
        "memory_wall_s": sum(t.wall_s for t in timed),
        # The game's memory bookkeeping (queries, items, reflections), store calls included.
        "keeper_cpu_s": keeper.cpu_s,
        "llm_calls": kinds["llm_call"],
        "events": sum(kinds.values()),
        "sequential_calls": max(per_agent_round.values()),
        "round_walls_s": round_walls,  # rounds 2..R (round 1 includes setup)
    }


def child(config: dict[str, Any]) -> None:
    tree = Path(config["tree"])
    sys.path.insert(0, str(tree / "tests" / "pinned"))  # the pinned run's replies, overrides
    with tempfile.TemporaryDirectory(prefix="society-call-cpu-") as tmp:
        workdir = Path(tmp)
        warm = {"agents": PAPER_AGENTS, "rounds": 1, "latency_s": 0.0, "memory": True}
        play(tree, warm, workdir)  # imports, templates, tiktoken: one-off costs
        found = play(tree, config, workdir)
    found["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(found))


# --- the parent: configurations, tables ---------------------------------------------------


def run_child(tree: Path, config: dict[str, Any]) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    payload = json.dumps({**config, "tree": str(tree)})
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--child", payload],
        capture_output=True,
        text=True,
        env=env,
        cwd=tree,
    )
    if done.returncode != 0:
        raise SystemExit(f"child failed ({tree}, {config}):\n{done.stderr[-3000:]}")
    found = json.loads(done.stdout.strip().splitlines()[-1])
    print(
        f"  {tree.name}: {config} -> wall {found['wall_s']:.2f} s, cpu {found['cpu_s']:.2f} s "
        f"({time.perf_counter() - started:.0f} s with start-up)",
        file=sys.stderr,
        flush=True,
    )
    return found


def per_call(found: dict[str, Any]) -> dict[str, float]:
    calls = found["llm_calls"]
    store = found["memory_cpu_s"]
    # The keeper's own work: its time less the store calls it made (all of them).
    keeper = max(0.0, found.get("keeper_cpu_s", 0.0) - store)
    return {
        "total_ms": found["cpu_s"] / calls * 1e3,
        "memory_ms": store / calls * 1e3,
        "framework_ms": (found["cpu_s"] - store) / calls * 1e3,
        "keeper_ms": keeper / calls * 1e3,
    }


def ratio_of(found: dict[str, Any], latency_s: float) -> tuple[float, float]:
    """(median round wall of rounds 2..R, ratio to latency × sequential calls)."""
    walls = found["round_walls_s"] or [found["wall_s"]]
    wall = statistics.median(walls)
    return wall, wall / (latency_s * found["sequential_calls"])


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--agents", default="10,100,1000", help="agent counts for the CPU table")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of the CPU runs")
    parser.add_argument(
        "--memory-on-rounds-1000",
        type=int,
        default=2,
        help="rounds of the 1,000-agent memory-on CPU run (Chroma makes it long; default 2)",
    )
    parser.add_argument("--latency", type=float, default=0.2, help="model latency (s)")
    parser.add_argument("--latency-agents", type=int, default=100)
    parser.add_argument("--latency-rounds", type=int, default=4, help="rounds 2..R are timed")
    parser.add_argument("--large-agents", type=int, default=1000)
    parser.add_argument("--large-rounds", type=int, default=3)
    parser.add_argument("--no-latency", action="store_true", help="skip the latency rounds")
    parser.add_argument("--no-large", action="store_true", help="skip the 1,000-agent run")
    parser.add_argument("--memory", default="on,off", help="memory settings to measure")
    parser.add_argument(
        "--broadcast", action="store_true", help="gossip to everyone (the pinned replies)"
    )
    parser.add_argument(
        "--reference", type=Path, help="another checkout to measure too (before → after)"
    )
    parser.add_argument("--json", action="store_true", help="also print every result as JSON")
    parser.add_argument(
        "--direct-turns",
        action="store_true",
        help="agent turns call the agent graph's nodes directly (run_society(direct_turns=True)); "
        "default: through the compiled LangGraph agent graph",
    )
    args = parser.parse_args(argv)
    args.agents = [int(a) for a in args.agents.split(",") if a.strip()]
    args.memory = [m.strip() == "on" for m in args.memory.split(",") if m.strip()]
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.child:
        child(json.loads(args.child))
        return
    trees = [("after", REPO)]
    if args.reference is not None:
        trees.insert(0, ("before", args.reference.resolve()))
    load_before = os.getloadavg()
    started = time.perf_counter()

    def each(config: dict[str, Any]) -> dict[str, dict[str, Any]]:
        config = {**config, "broadcast": args.broadcast, "direct_turns": args.direct_turns}
        return {label: run_child(tree, config) for label, tree in trees}

    cpu_rows: list[tuple[int, bool, int, dict[str, dict[str, Any]]]] = []
    for agents in args.agents:
        for memory in args.memory:
            rounds = args.rounds
            if memory and agents >= 1000:
                rounds = min(rounds, args.memory_on_rounds_1000)
            config = {"agents": agents, "rounds": rounds, "latency_s": 0.0, "memory": memory}
            cpu_rows.append((agents, memory, rounds, each(config)))
    latency_rows: list[tuple[bool, dict[str, dict[str, Any]]]] = []
    if not args.no_latency:
        for memory in args.memory:
            config = {
                "agents": args.latency_agents,
                "rounds": args.latency_rounds,
                "latency_s": args.latency,
                "memory": memory,
                "cap": args.latency_agents,
            }
            latency_rows.append((memory, each(config)))
    large: dict[str, dict[str, Any]] | None = None
    if not args.no_large:
        config = {
            "agents": args.large_agents,
            "rounds": args.large_rounds,
            "latency_s": args.latency,
            "memory": True,
            "cap": args.large_agents,
        }
        large = each(config)
    load_after = os.getloadavg()

    labels = [label for label, _ in trees]
    print(
        f"Machine: {os.cpu_count()} CPUs, {platform.python_implementation()} "
        f"{platform.python_version()}, {platform.platform()}"
    )
    print(
        f"Load average (1 min) before/after: {load_before[0]:.2f}/{load_after[0]:.2f}; "
        f"benchmark took {time.perf_counter() - started:.0f} s. "
        + ", ".join(f"{label}: {tree}" for label, tree in trees)
    )
    print()
    print(
        "1. CPU per model call, instant scripted model, every institution on "
        "(5 calls per agent-round); one run each"
    )
    header = f"{'agents':>6} {'memory':>6} {'rounds':>6} {'calls':>6}"
    for label in labels:
        header += f" | {label + ' total':>12} {'store':>7} {'framework':>9} {'keeper':>6}"
    if len(labels) == 2:
        header += f" | {'framework after/before':>22}"
    print(header)
    print("-" * len(header))
    for agents, memory, rounds, found in cpu_rows:
        first = found[labels[0]]
        line = f"{agents:>6} {'on' if memory else 'off':>6} {rounds:>6} {first['llm_calls']:>6}"
        for label in labels:
            ms = per_call(found[label])
            line += (
                f" | {ms['total_ms']:>12.3f} {ms['memory_ms']:>7.3f} {ms['framework_ms']:>9.3f} "
                f"{ms['keeper_ms']:>6.3f}"
            )
        if len(labels) == 2:
            ratio = (
                per_call(found["after"])["framework_ms"] / per_call(found["before"])["framework_ms"]
            )
            line += f" | {ratio:>22.3f}"
        print(line)
    print(
        "ms per model call: process CPU of the whole run_society call ÷ llm_call events. "
        "store: CPU inside the memory store's methods (Chroma, embedding, scoring); framework: "
        "the rest, of which keeper: the game's memory bookkeeping outside the store (queries, "
        "memory items, reflections)."
    )
    if latency_rows or large is not None:
        print()
        print(
            f"2. Rounds on a {args.latency:g} s scripted model, no cap (max_concurrency = N); "
            "ideal = latency × sequential calls per agent-round"
        )
        header = f"{'agents':>6} {'memory':>6} {'rounds':>6}"
        for label in labels:
            header += (
                f" | {label + ' round s':>14} {'ideal s':>7} {'ratio':>6} {'wall s':>7} "
                f"{'peak RSS MB':>11}"
            )
        print(header)
        print("-" * len(header))
        rows = [(args.latency_agents, memory, args.latency_rounds, f) for memory, f in latency_rows]
        if large is not None:
            rows.append((args.large_agents, True, args.large_rounds, large))
        for agents, memory, rounds, found in rows:
            line = f"{agents:>6} {'on' if memory else 'off':>6} {rounds:>6}"
            for label in labels:
                wall, ratio = ratio_of(found[label], args.latency)
                ideal = args.latency * found[label]["sequential_calls"]
                line += (
                    f" | {wall:>14.3f} {ideal:>7.2f} {ratio:>6.2f} {found[label]['wall_s']:>7.1f} "
                    f"{found[label]['peak_rss_mb']:>11.0f}"
                )
            print(line)
        print(
            "round s: median wall time of rounds 2..R (round 1 includes setup); ratio = round s "
            "÷ ideal; wall s: the whole run_society call; peak RSS: the child process's maximum."
        )
    if args.json:
        document = {
            "cpu": [
                {"agents": a, "memory": m, "rounds": r, "results": f} for a, m, r, f in cpu_rows
            ],
            "latency": [{"memory": m, "results": f} for m, f in latency_rows],
            "large": large,
        }
        print()
        print(json.dumps(document, indent=2))


if __name__ == "__main__":
    main()
