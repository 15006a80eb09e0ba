"""Memory store costs: add and retrieve throughput, retrieval latency, and the cost per round.

Stores: `InMemoryMemory`, embedded `ChromaMemory` (PersistentClient in a temp folder) with
`search="exact"` and with `search="index"`; all with the `hashing` embedder (256 dims) and
the default weights. Data: `memory.testing.synthetic_items` (5 short memories per agent and
round, one pinned item every third round), so numbers are comparable across runs.

1. Store size: N items over 100 agents (N/100 per agent). Add throughput (one `add` call per
   5,000 items); retrieve throughput with 10 queries per agent in one `retrieve` call (grouped:
   per agent one Chroma call with 10 query texts) and the same queries one per call; p50/p95
   latency of a `retrieve` call with a single query (k = 8).
2. Per round: A agents; a round is one `add` with every agent's ~5 new items and one
   `retrieve` with one query per agent (k = 8). Milliseconds for round 1 and for round R (the
   store then holds rounds 1..R-1; rounds 2..R-1 are written untimed in bulk), median over
   --repeats fresh stores.

    /work/venv/bin/python bench/memory_bench.py                        # as in BENCHMARKS.md
    /work/venv/bin/python bench/memory_bench.py --sizes 1000 --agents 10 --rounds 5 --repeats 1
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from importlib.metadata import version
from pathlib import Path

# Run as a script, this file's folder comes first on sys.path and this file would shadow the
# `memory` package it measures: drop that folder before importing it.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != _HERE]

from memory import (  # noqa: E402
    ChromaMemory,
    EpisodicMemory,
    InMemoryMemory,
    MemoryItem,
    MemoryQuery,
)
from memory.embedders.hashing import HashingEmbedder  # noqa: E402
from memory.testing import synthetic_items, synthetic_queries  # noqa: E402

SIZE_AGENTS = 100
ADD_BATCH = 5_000
QUERIES_PER_AGENT = 10
LATENCY_CALLS = 100
K = 8

StoreFactory = Callable[[Path], EpisodicMemory]
STORES: dict[str, StoreFactory] = {
    "in-memory": lambda path: InMemoryMemory(HashingEmbedder()),
    "chroma exact": lambda path: ChromaMemory("bench", HashingEmbedder(), path=path),
    "chroma index": lambda path: ChromaMemory(
        "bench", HashingEmbedder(), path=path, search="index", candidates=32
    ),
}


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def items_for_size(size: int) -> list[MemoryItem]:
    per_round = 5
    rounds = -(-size // (SIZE_AGENTS * (per_round + 1)))
    return synthetic_items(agents=SIZE_AGENTS, rounds=rounds + 1, per_round=per_round)[:size]


def bench_size(name: str, size: int, workdir: Path) -> dict[str, float]:
    items = items_for_size(size)
    now = max(item.round for item in items)
    store = STORES[name](workdir / f"{name.replace(' ', '-')}-{size}")
    started = time.perf_counter()
    for start in range(0, len(items), ADD_BATCH):
        store.add(items[start : start + ADD_BATCH])
    add_seconds = time.perf_counter() - started
    queries = synthetic_queries(
        agents=SIZE_AGENTS, count=SIZE_AGENTS * QUERIES_PER_AGENT, now_round=now, k=K
    )
    started = time.perf_counter()
    store.retrieve(queries)
    grouped_seconds = time.perf_counter() - started
    singles = queries[: SIZE_AGENTS * 2]
    latencies = []
    for query in singles:
        started = time.perf_counter()
        store.retrieve([query])
        latencies.append(time.perf_counter() - started)
    store.close()
    return {
        "add_per_s": len(items) / add_seconds,
        "grouped_q_per_s": len(queries) / grouped_seconds,
        "single_q_per_s": len(singles) / sum(latencies),
        "p50_ms": 1000 * percentile(latencies, 0.50),
        "p95_ms": 1000 * percentile(latencies, 0.95),
    }


def round_items(agents: int, round_: int) -> list[MemoryItem]:
    return synthetic_items(agents=agents, rounds=1, first_round=round_, seed=round_)


def timed_round(store: EpisodicMemory, agents: int, round_: int) -> tuple[float, float, int]:
    """(add ms, retrieve ms, items added) for one round: one add, one query per agent."""
    items = round_items(agents, round_)
    queries = [
        MemoryQuery(agent=q.agent, text=q.text, k=K, now_round=round_)
        for q in synthetic_queries(agents=agents, count=agents, now_round=round_, seed=round_)
    ]
    started = time.perf_counter()
    store.add(items)
    added = time.perf_counter()
    store.retrieve(queries)
    done = time.perf_counter()
    return 1000 * (added - started), 1000 * (done - added), len(items)


def bench_rounds(
    name: str, agents: int, rounds: int, workdir: Path, run: int
) -> dict[int, tuple[float, float, int]]:
    """Round 1 and the last round, timed, in one fresh store. The rounds between are written
    untimed in bulk (the same items their rounds would add), to keep the benchmark short."""
    store = STORES[name](workdir / f"rounds-{name.replace(' ', '-')}-{agents}-{run}")
    out = {1: timed_round(store, agents, 1)}
    between = [item for r in range(2, rounds) for item in round_items(agents, r)]
    for start in range(0, len(between), ADD_BATCH):
        store.add(between[start : start + ADD_BATCH])
    out[rounds] = timed_round(store, agents, rounds)
    store.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--agents", default="10,100")
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--stores", default=",".join(STORES))
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    agent_counts = [int(a) for a in args.agents.split(",")]
    stores = args.stores.split(",")
    print(
        f"memory bench, {datetime.date.today()}: Python {platform.python_version()}, "
        f"chromadb {version('chromadb')}, numpy {version('numpy')}, {os.cpu_count()} cores, "
        f"load average {os.getloadavg()[0]:.1f} at start"
    )
    print("embedder: hashing (256 dims); k = 8; weights 0.5/3/2, decay 0.99")
    workdir = Path(tempfile.mkdtemp(prefix="memory-bench-"))
    try:
        print(f"\n1. store size ({SIZE_AGENTS} agents; {QUERIES_PER_AGENT} queries per agent)")
        header = (
            f"{'store':<13} {'items':>7} {'add/s':>8} {'grouped q/s':>12} {'single q/s':>11} "
            f"{'p50 ms':>7} {'p95 ms':>7}"
        )
        print(header)
        for size in sizes:
            for name in stores:
                r = bench_size(name, size, workdir)
                print(
                    f"{name:<13} {size:>7} {r['add_per_s']:>8.0f} {r['grouped_q_per_s']:>12.0f} "
                    f"{r['single_q_per_s']:>11.0f} {r['p50_ms']:>7.2f} {r['p95_ms']:>7.2f}"
                )
        print(
            f"\n2. per round (~5 new items per agent, one k={K} query per agent; "
            f"median of {args.repeats} runs)"
        )
        print(
            f"{'store':<13} {'agents':>6} {'items/round':>11} {'round 1 add+retrieve ms':>24} "
            f"{f'round {args.rounds} add+retrieve ms':>25}"
        )
        for agents in agent_counts:
            for name in stores:
                runs = [
                    bench_rounds(name, agents, args.rounds, workdir, run)
                    for run in range(args.repeats)
                ]
                cells = []
                for round_ in (1, args.rounds):
                    add = statistics.median(run[round_][0] for run in runs)
                    get = statistics.median(run[round_][1] for run in runs)
                    cells.append(f"{add:.1f} + {get:.1f} = {add + get:.1f}")
                per_round = runs[0][args.rounds][2]
                print(f"{name:<13} {agents:>6} {per_round:>11} {cells[0]:>24} {cells[1]:>25}")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"\nload average {os.getloadavg()[0]:.1f} at end")


if __name__ == "__main__":
    main()
