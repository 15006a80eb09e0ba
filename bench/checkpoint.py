"""Checkpoint overhead per round: what saving every round costs next to a round's work.

Each society is played twice, end to end (minds, transcript, memory, metrics), in fresh
folders: once the way `society run` plays it (checkpointed: the round graph pauses after every
round, LangGraph saves one checkpoint to `checkpoints.sqlite3`, the transcript is fsynced and
the round is marked in the round log), and once as one uninterrupted `ainvoke` of the same
graph without a checkpointer (how runs were played before checkpoints). The checkpointed run
is also timed by part: LangGraph's save (`put`), its reads of the checkpoint (`get_tuple`: the
paused state read back, and the graph reloading it to go on), and the mark (fdatasync of
events.jsonl and timings.jsonl + the round log's transaction). Their sum is the overhead
measured directly; the difference of the two end-to-end times includes it, plus noise on a
shared machine. Median of --repeats, milliseconds per round.

    .venv/bin/python bench/checkpoint.py                     # as in BENCHMARKS.md
    .venv/bin/python bench/checkpoint.py --rounds 10 --repeats 1
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

# Run as a script, this folder would come first on sys.path and bench/memory.py would shadow
# the `memory` package: drop it before importing the project.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != _HERE]


from society.agents.graph import AgentTurns  # noqa: E402
from society.analysis.metrics_file import write_metrics  # noqa: E402
from society.checkpoint.saver import SqliteCheckpointer  # noqa: E402
from society.coordinator import session  # noqa: E402
from society.coordinator.deps import CoordinatorDeps  # noqa: E402
from society.coordinator.runner import (  # noqa: E402
    agents_of,
    build_minds,
    new_run_dir,
    open_run_memory,
    run_id_for,
    run_society,
)
from society.core.registry import game_of  # noqa: E402
from society.core.round_graph import build_round_graph, recursion_limit  # noqa: E402
from society.games.commons.metrics import compute_metrics  # noqa: E402
from society.scenario import Scenario, load_scenario  # noqa: E402
from society.transcript.events import AgentInfo, RunStarted  # noqa: E402
from society.transcript.reader import read_events  # noqa: E402
from society.transcript.writer import TranscriptWriter  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def societies(rounds: int) -> dict[str, Scenario]:
    demo = ROOT / "scenarios/demo.yaml"
    big = [
        {"name": "altruists", "count": 50, "persona": "altruistic"},
        {"name": "selfish", "count": 50, "persona": "selfish"},
    ]
    return {
        "paper rich-altruistic, 10 rule agents": load_scenario(
            ROOT / "scenarios/paper/rich-altruistic.yaml", {"rounds": rounds}
        ),
        "demo (all institutions), 10 rule agents": load_scenario(demo, {"rounds": rounds}),
        "demo (all institutions), 100 rule agents": load_scenario(
            demo, {"rounds": rounds, "population": big}
        ),
    }


async def plain(scenario: Scenario, out: Path) -> int:
    """One ainvoke, no checkpointer: the round graph as it ran before checkpoints."""
    minds = build_minds(scenario)
    agents = agents_of(scenario)
    run_id = run_id_for(scenario)
    run_dir = new_run_dir(out, run_id)
    with TranscriptWriter(run_dir, run_id) as writer:
        writer.write(
            RunStarted(
                round=0,
                scenario_name=scenario.name,
                seed=scenario.seed,
                scenario=scenario.model_dump(mode="json"),
                scenario_sha256="",
                agents=[
                    AgentInfo(id=a.id, group=a.group, persona=a.persona, model=minds[a.id].label)
                    for a in agents
                ],
                society_version="bench",
            )
        )
        memory = open_run_memory(scenario, run_dir, minds)
        deps = CoordinatorDeps(
            scenario=scenario,
            agent_turns=AgentTurns(
                minds, game_of(scenario).phases(scenario), memory=memory, k=scenario.memory.k
            ),
            writer=writer,
            personas={a.id: scenario.persona(a.persona).description for a in agents},
            mind_sources={a.id: minds[a.id].source for a in agents},
            memory=memory,
        )
        final = await build_round_graph(game_of(scenario), deps).ainvoke(
            game_of(scenario).initial_state(scenario, agents),
            config={"recursion_limit": recursion_limit(game_of(scenario), scenario)},
        )
        if memory is not None:
            memory.close()
    write_metrics(run_dir, compute_metrics(list(read_events(run_dir))))
    return int(final["round"])


class Parts:
    """Wall time spent in each part of checkpointing, summed over a run."""

    def __init__(self) -> None:
        self.seconds = {"put": 0.0, "get_tuple": 0.0, "mark": 0.0}

    def timed(self, name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.seconds[name] += time.perf_counter() - started

        return wrapper

    def timed_async(self, name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        async def wrapper(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return await function(*args, **kwargs)
            finally:
                self.seconds[name] += time.perf_counter() - started

        return wrapper


async def checkpointed(scenario: Scenario, out: Path, parts: Parts) -> int:
    put, get, mark = SqliteCheckpointer.put, SqliteCheckpointer.get_tuple, session.mark_round
    SqliteCheckpointer.put = parts.timed("put", put)  # type: ignore[method-assign]
    SqliteCheckpointer.get_tuple = parts.timed("get_tuple", get)  # type: ignore[method-assign]
    session.mark_round = parts.timed("mark", mark)  # type: ignore[assignment]
    try:
        result = await run_society(scenario, out)
    finally:
        SqliteCheckpointer.put, SqliteCheckpointer.get_tuple = put, get  # type: ignore[method-assign]
        session.mark_round = mark  # type: ignore[assignment]
    return result.metrics.rounds_completed


def measure(scenario: Scenario, repeats: int) -> dict[str, float]:
    without, with_, split = [], [], {"put": [], "get_tuple": [], "mark": []}
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as folder:
            started = time.perf_counter()
            rounds = asyncio.run(plain(scenario, Path(folder) / "plain"))
            without.append((time.perf_counter() - started) / rounds)
            parts = Parts()
            started = time.perf_counter()
            rounds_ = asyncio.run(checkpointed(scenario, Path(folder) / "ckpt", parts))
            with_.append((time.perf_counter() - started) / rounds_)
            assert rounds == rounds_, (rounds, rounds_)
            for name, seconds in parts.seconds.items():
                split[name].append(seconds / rounds_)
    row = {"without": statistics.median(without), "with": statistics.median(with_)}
    row.update({name: statistics.median(values) for name, values in split.items()})
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    print(
        f"# checkpoint overhead, {datetime.date.today()}, Python {platform.python_version()}, "
        f"{os.cpu_count()} cores, {args.rounds} rounds, median of {args.repeats}"
    )
    print(
        "| society | round, no checkpoints (ms) | round, checkpointed (ms) | difference (ms) "
        "| put (ms) | get_tuple (ms) | mark incl. sync (ms) | checkpoint total (ms, % of round) |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, scenario in societies(args.rounds).items():
        row = measure(scenario, args.repeats)
        difference = row["with"] - row["without"]
        total = row["put"] + row["get_tuple"] + row["mark"]
        print(
            f"| {name} | {row['without'] * 1e3:.1f} | {row['with'] * 1e3:.1f} | "
            f"{difference * 1e3:+.1f} | {row['put'] * 1e3:.2f} | {row['get_tuple'] * 1e3:.2f} | "
            f"{row['mark'] * 1e3:.2f} | {total * 1e3:.1f} ({total / row['with']:.1%}) |",
            flush=True,
        )


if __name__ == "__main__":
    main()
