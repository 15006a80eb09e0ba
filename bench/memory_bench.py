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
   --repeats fresh stores, and their ratio. Then, from the last repeat: the seconds to reopen
   the store (a resumed run; a cached ChromaMemory loads the whole collection), the process's
   resident memory after round R, and the embeddings the store's cache holds.

`--code DIR` measures the `memory` package of another checkout (e.g. a worktree of main, for
before/after figures in one session); stores it does not have are skipped.

    .venv/bin/python bench/memory_bench.py                        # as in BENCHMARKS.md
    .venv/bin/python bench/memory_bench.py --sizes 1000 --agents 10 --rounds 5 --repeats 1
    git worktree add /tmp/main-code main
    .venv/bin/python bench/memory_bench.py --code /tmp/main-code --stores "chroma exact"
"""

from __future__ import annotations

import argparse
import datetime
import inspect
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
from typing import NamedTuple

# Run as a script, this file's folder comes first on sys.path and this file would shadow the
# `memory` package it measures: drop that folder before importing it. --code puts another
# checkout first, before `memory` is imported.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != _HERE]
if "--code" in sys.argv[:-1]:
    sys.path.insert(0, str(Path(sys.argv[sys.argv.index("--code") + 1]).resolve()))

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
    "chroma get": lambda path: ChromaMemory("bench", HashingEmbedder(), path=path, cache=False),
    "chroma index": lambda path: ChromaMemory(
        "bench", HashingEmbedder(), path=path, search="index", candidates=32
    ),
}
DEFAULT_STORES = ("in-memory", "chroma exact", "chroma index")


def available(name: str) -> bool:
    """Whether the measured code has this store (`cache=` is newer than the first version)."""
    return name != "chroma get" or "cache" in inspect.signature(ChromaMemory).parameters


def rss_mb() -> tuple[float, float]:
    """(resident, peak resident) MB of this process, from /proc (Linux)."""
    fields = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        fields[key] = value
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


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


class RoundRun(NamedTuple):
    first: tuple[float, float, int]  # round 1: add ms, retrieve ms, items added
    last: tuple[float, float, int]  # round R
    items: int  # held after round R
    rss_mb: float  # resident memory after round R
    cache_mb: float  # embeddings in the store's cache (0: none)
    reopen_s: float  # closing and reopening the store (nan: in memory, nothing to reopen)


def bench_rounds(name: str, agents: int, rounds: int, workdir: Path, run: int) -> RoundRun:
    """Round 1 and the last round, timed, in one fresh store. The rounds between are written
    untimed in bulk (the same items their rounds would add), to keep the benchmark short."""
    path = workdir / f"rounds-{name.replace(' ', '-')}-{agents}-{run}"
    store = STORES[name](path)
    first = timed_round(store, agents, 1)
    between = [item for r in range(2, rounds) for item in round_items(agents, r)]
    for start in range(0, len(between), ADD_BATCH):
        store.add(between[start : start + ADD_BATCH])
    del between
    last = timed_round(store, agents, rounds)
    held = store.count()
    rss, _ = rss_mb()
    cache_bytes = getattr(store, "cache_bytes", lambda: 0)()
    store.close()
    reopen = float("nan")
    if name != "in-memory":
        started = time.perf_counter()
        store = STORES[name](path)
        reopen = time.perf_counter() - started
        assert store.count() == held
        store.close()
    shutil.rmtree(path, ignore_errors=True)
    return RoundRun(first, last, held, rss, cache_bytes / 2**20, reopen)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--agents", default="10,100")
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--stores", default=",".join(DEFAULT_STORES), help=", ".join(STORES))
    parser.add_argument("--code", help="a checkout whose memory package to measure")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s]
    agent_counts = [int(a) for a in args.agents.split(",") if a]
    unknown = sorted(set(args.stores.split(",")) - set(STORES))
    if unknown:
        parser.error(f"unknown stores {unknown}; known: {', '.join(STORES)}")
    asked = args.stores.split(",")
    stores = [name for name in asked if available(name)]
    skipped = [name for name in asked if name not in stores]
    code = Path(inspect.getfile(ChromaMemory)).resolve().parent.parent
    print(f"memory package from {code}; stores: {', '.join(stores)}", end="")
    print(f" (not in this code: {', '.join(skipped)})" if skipped else "")
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
                    f"{r['single_q_per_s']:>11.0f} {r['p50_ms']:>7.2f} {r['p95_ms']:>7.2f}",
                    flush=True,
                )
        print(
            f"\n2. per round (~5 new items per agent, one k={K} query per agent; "
            f"median of {args.repeats} runs)"
        )
        print(
            f"{'store':<13} {'agents':>6} {'items/round':>11} {'round 1 add+retrieve ms':>24} "
            f"{f'round {args.rounds} add+retrieve ms':>25} {'ratio':>5} | {'items':>7} "
            f"{'reopen s':>8} {'RSS MB':>7} {'cache MB':>8}"
        )
        for agents in agent_counts:
            for name in stores:
                runs = [
                    bench_rounds(name, agents, args.rounds, workdir, run)
                    for run in range(args.repeats)
                ]
                cells, totals = [], []
                for pick in (lambda r: r.first, lambda r: r.last):
                    add = statistics.median(pick(run)[0] for run in runs)
                    get = statistics.median(pick(run)[1] for run in runs)
                    cells.append(f"{add:.1f} + {get:.1f} = {add + get:.1f}")
                    totals.append(add + get)
                last = runs[-1]
                print(
                    f"{name:<13} {agents:>6} {last.last[2]:>11} {cells[0]:>24} {cells[1]:>25} "
                    f"{totals[1] / totals[0]:>5.1f} | {last.items:>7} {last.reopen_s:>8.1f} "
                    f"{last.rss_mb:>7.0f} {last.cache_mb:>8.1f}",
                    flush=True,
                )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"\nload average {os.getloadavg()[0]:.1f} at end")


if __name__ == "__main__":
    main()
