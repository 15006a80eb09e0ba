"""What-if experiments behind the findings in BENCHMARKS.md: run the overhead benchmark's
scenarios with candidate fixes patched in, in this process only (no project file changes).

Variants: one run per comma-separated item; combine variants within an item with '+':
  gc-off       gc.disable() during the runs
  gc-threshold gc.set_threshold(50_000, 50, 100) during the runs
  async-nodes  the agent graph's sync nodes, if any, as async nodes: no thread hop
  one-node     the agent graph as one node running its steps (observe, ..., act) in order
  direct       no agent subgraph: the coordinator's turn node runs those steps itself

    /work/venv/bin/python bench/experiments.py --variants none,gc-off,one-node+gc-off \\
        --mind rules --agents 100,1000 --rounds 3

Prints wall and process CPU time per agent-round: the median of --repeats, with the variants
interleaved. CPU time is the steadier figure on a shared machine. The patches reach into
internals and exist only to measure: they are not proposed code.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import importlib.util
import statistics
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

# Imported by path, never with bench/ on sys.path: other scripts there (bench/memory.py)
# would shadow the project's own top-level packages (`memory`).
_BENCH_DIR = Path(__file__).resolve().parent
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != _BENCH_DIR]
_spec = importlib.util.spec_from_file_location("overhead", _BENCH_DIR / "overhead.py")
assert _spec is not None and _spec.loader is not None
overhead = importlib.util.module_from_spec(_spec)
sys.modules["overhead"] = overhead  # dataclasses look their module up while being defined
_spec.loader.exec_module(overhead)

from langgraph.graph import END, START, StateGraph  # noqa: E402

import society.agents.graph as agent_graph_module  # noqa: E402
import society.coordinator.runner as runner_module  # noqa: E402

VARIANTS = (
    "gc-off",
    "gc-threshold",
    "async-nodes",
    "one-node",
    "direct",
)


Step = tuple[str, Any, bool]  # node name, function, is async


def _steps(minds: Any, **options: Any) -> list[Step]:
    """The project's agent graph as its chain of node functions, in order (it is linear:
    START → n1 → … → END)."""
    builder = agent_graph_module.build_agent_graph(minds, **options).builder
    following = dict(builder.edges)
    if len(following) != len(builder.edges):
        raise SystemExit("the agent graph is no longer a linear chain; update bench/experiments.py")
    steps: list[Step] = []
    name = following[START]
    while name != END:
        runnable = builder.nodes[name].runnable
        afunc = getattr(runnable, "afunc", None)
        steps.append((name, afunc or runnable.func, afunc is not None))
        name = following[name]
    return steps


def _async_nodes_graph(minds: Any, **options: Any) -> Any:
    """The same chain with every sync node wrapped as an async one (no executor hop)."""

    def as_async(function: Any) -> Any:
        async def node(turn: dict[str, Any]) -> Any:
            return function(turn)

        return node

    steps = _steps(minds, **options)
    graph = StateGraph(agent_graph_module.AgentTurn)
    previous = START
    for name, function, is_async in steps:
        graph.add_node(name, function if is_async else as_async(function))
        graph.add_edge(previous, name)
        previous = name
    graph.add_edge(previous, END)
    return graph.compile(name="agent")


async def _whole_turn(steps: list[Step], turn: dict[str, Any]) -> Any:
    state = dict(turn)
    for _name, function, is_async in steps:
        update = (await function(state)) if is_async else function(state)
        state.update(update or {})
    return state


def _one_node_graph(minds: Any, **options: Any) -> Any:
    steps = _steps(minds, **options)

    async def turn(state: dict[str, Any]) -> Any:
        return {"outcome": (await _whole_turn(steps, state))["outcome"]}

    graph = StateGraph(agent_graph_module.AgentTurn)
    graph.add_node("turn", turn)
    graph.add_edge(START, "turn")
    graph.add_edge("turn", END)
    return graph.compile(name="agent")


class _Direct:
    """Duck-types the compiled agent graph's `ainvoke` without LangGraph."""

    def __init__(self, minds: Any, **options: Any) -> None:
        self.steps = _steps(minds, **options)

    async def ainvoke(self, turn: dict[str, Any]) -> Any:
        return await _whole_turn(self.steps, turn)


@contextlib.contextmanager
def patched(variants: set[str]) -> Iterator[None]:
    saved_build = runner_module.build_agent_graph
    saved_threshold = gc.get_threshold()
    was_enabled = gc.isenabled()
    try:
        if "async-nodes" in variants:
            runner_module.build_agent_graph = _async_nodes_graph
        if "one-node" in variants:
            runner_module.build_agent_graph = _one_node_graph
        if "direct" in variants:
            runner_module.build_agent_graph = _Direct
        if "gc-threshold" in variants:
            gc.set_threshold(50_000, 50, 100)
        if "gc-off" in variants:
            gc.disable()
        yield
    finally:
        runner_module.build_agent_graph = saved_build
        gc.set_threshold(*saved_threshold)
        if was_enabled:
            gc.enable()


def main() -> None:
    parser = argparse.ArgumentParser(description="Overhead with candidate fixes patched in.")
    parser.add_argument(
        "--variants", default="none,gc-off", help="runs separated by ',', combined with '+'"
    )
    parser.add_argument("--mind", choices=("rules", "llm"), default="rules")
    parser.add_argument("--agents", type=overhead.int_list, default=[100, 1000])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    runs = []
    for text in args.variants.split(","):
        variants = {v for v in text.split("+") if v and v != "none"}
        unknown = variants - set(VARIANTS)
        if unknown:
            parser.error(f"unknown variant(s) {sorted(unknown)}; known: {', '.join(VARIANTS)}")
        runs.append(variants)
    print(f"{'variant':<26} {'agents':>6} {'rounds':>6} {'wall ms/ar':>10} {'cpu ms/ar':>9}")
    with tempfile.TemporaryDirectory(prefix="society-bench-") as tmp:
        workdir = Path(tmp)
        overhead.warm_up([args.mind], workdir)
        for agents in args.agents:
            scenario = overhead.scenario_for(args.mind, agents, args.rounds)
            walls: list[list[float]] = [[] for _ in runs]
            cpus: list[list[float]] = [[] for _ in runs]
            # Repeats interleave the variants, so a busy spell on the machine hits all alike.
            for _ in range(args.repeats):
                for index, variants in enumerate(runs):
                    with patched(variants):
                        run = overhead.run_once(scenario, workdir, 0.0)
                    walls[index].append(run.wall_s)
                    cpus[index].append(run.cpu_s)
            per = agents * args.rounds / 1e3
            for index, variants in enumerate(runs):
                label = "+".join(sorted(variants)) or "none (as shipped)"
                print(
                    f"{label:<26} {agents:>6} {args.rounds:>6} "
                    f"{statistics.median(walls[index]) / per:>10.3f} "
                    f"{statistics.median(cpus[index]) / per:>9.3f}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
