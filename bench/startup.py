"""Start-up time of the command line: how long `society --help`, `society validate FILE` and
`society run --help` take from process start to exit, each in a fresh interpreter. Median
(and min, max) of --repeats runs, seconds.

    .venv/bin/python bench/startup.py                       # this checkout
    .venv/bin/python bench/startup.py --source /tmp/before  # another checkout of society
                                                            # (put first on PYTHONPATH)
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COMMANDS = {
    "society --help": ["--help"],
    "society validate scenarios/demo.yaml": ["validate", "scenarios/demo.yaml"],
    "society run --help": ["run", "--help"],
}


def time_once(args: list[str], env: dict[str, str], cwd: Path) -> float:
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "society", *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"society {' '.join(args)} failed ({done.returncode}): {done.stderr}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument(
        "--source", type=Path, default=None, help="Time this checkout of society instead."
    )
    options = parser.parse_args()
    source = (options.source or ROOT).resolve()
    env = dict(os.environ)
    if options.source is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(source), env.get("PYTHONPATH")]))
    print(
        f"start-up, {options.repeats} runs each, {platform.python_implementation()} "
        f"{platform.python_version()}, {os.cpu_count()} cores, source {source}"
    )
    print(f"{'command':<40} {'median s':>9} {'min s':>7} {'max s':>7}")
    for label, args in COMMANDS.items():
        time_once(args, env, source)  # warm the file cache and the .pyc files
        times = [time_once(args, env, source) for _ in range(options.repeats)]
        print(
            f"{label:<40} {statistics.median(times):>9.3f} {min(times):>7.3f} {max(times):>7.3f}"
        )


if __name__ == "__main__":
    main()
