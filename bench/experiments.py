"""What-if experiments behind the findings in BENCHMARKS.md: run the overhead benchmark's
scenarios with shipped optimisations undone or candidate changes patched in, in this process
only (no project file changes).

Variants: one run per comma-separated item; combine variants within an item with '+':
  gc-default   the collector's default thresholds (undo `tuned_gc`)
  gc-off       gc.disable() during the runs
  graph-turns  every agent's turn through the compiled LangGraph agent graph (undo
               AgentTurns' direct path)

    /work/venv/bin/python bench/experiments.py --variants none,gc-default,graph-turns \\
        --mind rules --agents 100,1000 --rounds 3

Prints wall and process CPU time per agent-round: the median of --repeats, with the variants
interleaved. CPU time is the steadier figure on a shared machine.
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

# Imported by path, never with bench/ on sys.path (a script there must not shadow one of the
# project's top-level packages).
_BENCH_DIR = Path(__file__).resolve().parent
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != _BENCH_DIR]
_spec = importlib.util.spec_from_file_location("overhead", _BENCH_DIR / "overhead.py")
assert _spec is not None and _spec.loader is not None
overhead = importlib.util.module_from_spec(_spec)
sys.modules["overhead"] = overhead  # dataclasses look their module up while being defined
_spec.loader.exec_module(overhead)

import society.coordinator.session as session_module  # noqa: E402

VARIANTS = ("gc-default", "gc-off", "graph-turns")


@contextlib.contextmanager
def patched(variants: set[str]) -> Iterator[None]:
    saved_turns = session_module.AgentTurns
    saved_tuned = overhead.tuned_gc
    was_enabled = gc.isenabled()
    try:
        if "graph-turns" in variants:

            def through_graph(*args: Any, **options: Any) -> Any:
                return saved_turns(*args, **{**options, "direct": False})

            session_module.AgentTurns = through_graph  # type: ignore[misc,assignment]
        if "gc-default" in variants or "gc-off" in variants:
            overhead.tuned_gc = contextlib.nullcontext
        if "gc-off" in variants:
            gc.disable()
        yield
    finally:
        session_module.AgentTurns = saved_turns  # type: ignore[misc]
        overhead.tuned_gc = saved_tuned
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
