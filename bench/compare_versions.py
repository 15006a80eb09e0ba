"""Framework overhead of this checkout against another one (e.g. a worktree of the commit
before a restructuring), interleaved in one run so that both see the same machine load:
`bench/overhead.py --json` of each, alternately, `--rounds-of-runs` times; medians of
ms per agent-round and the ratio this / reference.

    git worktree add --detach /tmp/before <commit>
    .venv/bin/python bench/compare_versions.py --reference /tmp/before
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent


def measure(tree: Path, extra: list[str]) -> dict[tuple[str, int], float]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    done = subprocess.run(
        [sys.executable, str(tree / "bench" / "overhead.py"), "--json", "--no-concurrency", *extra],
        capture_output=True, text=True, check=True, env=env, cwd=tree,
    )
    data = json.loads(done.stdout[done.stdout.index("{"):])
    return {(r["mind"], r["agents"]): r["ms_per_agent_round"] for r in data["overhead"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reference", type=Path, required=True, help="the other checkout")
    parser.add_argument("--rounds-of-runs", type=int, default=3)
    parser.add_argument("--agents", default="10,100,1000")
    parser.add_argument("--rounds", default="10")
    parser.add_argument("--llm-agent-rounds", default="2000")
    args = parser.parse_args()
    extra = ["--agents", args.agents, "--rounds", args.rounds, "--repeats", "1",
             "--llm-agent-rounds", args.llm_agent_rounds]
    samples: dict[str, dict[tuple[str, int], list[float]]] = {"reference": {}, "this": {}}
    for _ in range(args.rounds_of_runs):
        for label, tree in (("reference", args.reference.resolve()), ("this", HERE)):
            for key, value in measure(tree, extra).items():
                samples[label].setdefault(key, []).append(value)
    print(f"ms per agent-round, median of {args.rounds_of_runs} interleaved runs each")
    print(f"{'minds':6} {'agents':>6} {'reference':>10} {'this':>10} {'this/ref':>9}")
    for key in sorted(samples["this"]):
        before = statistics.median(samples["reference"][key])
        after = statistics.median(samples["this"][key])
        print(f"{key[0]:6} {key[1]:>6} {before:>10.3f} {after:>10.3f} {after / before:>9.3f}")


if __name__ == "__main__":
    main()
