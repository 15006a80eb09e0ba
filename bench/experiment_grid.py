"""Wall time of an experiment grid with 1, 2, ... worker processes (`society experiment`).

    .venv/bin/python bench/experiment_grid.py                       # the paper grid, 1 and 2 workers
    .venv/bin/python bench/experiment_grid.py --workers 2 --keep /tmp/grid

Each worker count runs the whole grid into a fresh folder (every run is done, none skipped),
then checks that every worker count gave the same per-run metrics. Prints one line per worker
count: runs, wall time of the runs, of the analysis (tables, ANOVA, exports, plots), and the
load average at the end (the machine may be shared).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

# Run as a script, bench/ comes first on sys.path, where a script could shadow one of the
# project's packages (`memory`): drop that folder before importing the project.
_BENCH_DIR = Path(__file__).resolve().parent
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != _BENCH_DIR]

from society.analysis.metrics_file import METRICS_FILE  # noqa: E402
from society.experiments import LocalExecutor, load_experiment, run_experiment  # noqa: E402
from society.experiments.analysis import analyse  # noqa: E402

ROOT = _BENCH_DIR.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "file", nargs="?", default=str(ROOT / "scenarios/experiments/paper-grid.yaml")
    )
    parser.add_argument("--workers", default="1,2", help="comma-separated worker counts")
    parser.add_argument("--keep", type=Path, help="keep the output folders under this folder")
    args = parser.parse_args()
    experiment = load_experiment(args.file)
    parent = args.keep or Path(tempfile.mkdtemp(prefix="society-grid-"))
    metrics: dict[int, dict[str, str]] = {}
    print(f"{experiment.name}: {len(experiment.cells)} cells × {len(experiment.seeds)} seeds")
    for workers in (int(w) for w in args.workers.split(",")):
        out = parent / f"workers-{workers}"
        shutil.rmtree(out, ignore_errors=True)
        start = time.perf_counter()
        state = run_experiment(experiment, out, LocalExecutor(workers))
        ran = time.perf_counter() - start
        analyse(experiment, state.jobs, out)
        analysed = time.perf_counter() - start - ran
        metrics[workers] = {
            p.parent.name: p.read_text() for p in (out / "runs").glob(f"*/{METRICS_FILE}")
        }
        print(
            f"workers {workers}: {len(state.succeeded)} runs, {len(state.failed)} failed, "
            f"runs {ran:.1f} s, analysis {analysed:.1f} s, "
            f"load average {os.getloadavg()[0]:.2f}",
            flush=True,
        )
    first = next(iter(metrics.values()))
    same = all(m == first for m in metrics.values())
    print(json.dumps({"same_metrics_for_every_worker_count": same, "folder": str(parent)}))
    if args.keep is None:
        shutil.rmtree(parent)


if __name__ == "__main__":
    main()
