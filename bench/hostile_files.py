"""How long `society validate` takes on each held-out hostile file of issue #13 (an alias
bomb, deep nesting, binary, latin-1, empty, a top-level list or scalar, tabs, an unclosed
bracket, a 2 MiB file, a folder, a missing file), each in its own process as a user runs it.

Prints, per shape, the exit status, the wall time of the whole process (next to the same
command on a valid scenario: importing society is most of it) and the error line.

    .venv/bin/python bench/hostile_files.py
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from hostile_shapes import write_shapes  # noqa: E402


def _timed(path: Path) -> tuple[int, float, str]:
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "society", "validate", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    elapsed = time.perf_counter() - start
    if "Traceback" in done.stderr:
        raise SystemExit(f"{path}: a traceback:\n{done.stderr}")
    return done.returncode, elapsed, (done.stderr or done.stdout).strip().splitlines()[0]


def _loading(path: Path) -> float:
    """Seconds of load_scenario alone, in this process (society already imported)."""
    from society.scenario import ScenarioError, load_scenario

    start = time.perf_counter()
    with contextlib.suppress(ScenarioError):  # the refusal is what is timed
        load_scenario(path)
    return time.perf_counter() - start


def main() -> None:
    code, baseline, _ = _timed(ROOT / "scenarios" / "demo.yaml")
    demo = _loading(ROOT / "scenarios" / "demo.yaml")
    print(f"{'shape':<18} {'exit':>4} {'process s':>9} {'load s':>7}  message")
    print(f"{'(valid demo.yaml)':<18} {code:>4} {baseline:>9.3f} {demo:>7.4f}")
    with tempfile.TemporaryDirectory() as folder:
        for name, path in write_shapes(Path(folder)).items():
            code, elapsed, line = _timed(path)
            shown = line.replace(folder, "<tmp>")[:90]
            print(f"{name:<18} {code:>4} {elapsed:>9.3f} {_loading(path):>7.4f}  {shown}")


if __name__ == "__main__":
    main()
