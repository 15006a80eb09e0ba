"""Fuzzing the command line with broken files (issue #13): mutated and truncated shipped
scenario and experiment files, random bytes, and damaged run folders, through `validate`,
`run`, `inspect`, `report`, `metrics` and `resume`. Every one ends with exit status 0, 1 or 2
and no traceback, and nothing is written outside the temporary folders.

The CLI runs in this process through its top-level guard (tests/cli_in_process.py); the
counts are printed by the last test (`pytest -s tests/test_fuzz_cli.py`).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_in_process import Outcome, society
from conftest import ROOT, SCENARIOS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

SHIPPED = sorted(p.relative_to(SCENARIOS) for p in SCENARIOS.rglob("*.yaml"))
EXPERIMENTS = [p for p in SHIPPED if p.parts[0] == "experiments"]
RUN_FILES = [
    "events.jsonl",
    "timings.jsonl",
    "metrics.json",
    "checkpoints.sqlite3",
    "scenario.yaml",
]
FOLDER_COMMANDS = ["inspect", "metrics", "report", "resume"]
# YAML's meaningful characters, so that mutations reach the parser's corners, not only the
# reader's: brackets, anchors, tags, quotes, indentation.
YAML_TEXT = st.text(alphabet=":[]{},-&*!|>'\"#%@` \t\n0123456789abcxyz.~\\", max_size=12)


def fuzz(examples: int) -> settings:
    return settings(
        max_examples=examples,
        deadline=None,
        database=None,  # writes nothing into the repository (.hypothesis/)
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


STATS: Counter[str] = Counter()
INTERNAL: list[str] = []  # the internal-error lines seen (bugs to fix: they are not the user's)


def checked(outcome: Outcome) -> Outcome:
    STATS["inputs tried"] += 1
    STATS[f"exit {outcome.code}"] += 1
    STATS["tracebacks"] += "Traceback" in outcome.output
    STATS["internal errors"] += "society: internal error" in outcome.stderr
    INTERNAL.extend(line for line in outcome.error_lines() if "internal error" in line)
    assert outcome.code in (0, 1, 2), outcome.output
    assert "Traceback" not in outcome.output, outcome.output
    return outcome


def _tree(root: Path) -> dict[str, int]:
    skip = {".git", ".venv", "__pycache__", ".pytest_cache", ".ruff_cache", ".hypothesis"}
    found = {}
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d not in skip]
        for name in files:
            path = os.path.join(folder, name)
            found[os.path.relpath(path, root)] = os.stat(path).st_mtime_ns
    return found


@pytest.fixture(scope="module", autouse=True)
def nothing_written_outside(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The repository is untouched, and so is the working directory (an empty folder)."""
    before = _tree(ROOT)
    cwd = tmp_path_factory.mktemp("cwd")
    old = Path.cwd()
    os.chdir(cwd)
    try:
        yield
    finally:
        os.chdir(old)
    assert _tree(ROOT) == before
    assert list(cwd.iterdir()) == []


@pytest.fixture(scope="module")
def scenarios_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped scenarios, copied so that a mutant's `extends:` and `scenario:` resolve."""
    return Path(shutil.copytree(SCENARIOS, tmp_path_factory.mktemp("s") / "scenarios"))


@st.composite
def mutated(draw: st.DrawFn, data: bytes) -> bytes:
    """One to three edits of a file: truncation, bytes or YAML text put in or over, a line
    deleted, repeated or indented."""
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(data)))
        kind = draw(st.sampled_from(["truncate", "insert", "overwrite", "bytes", "lines"]))
        if kind == "truncate":
            data = data[:at]
        elif kind == "insert":
            data = data[:at] + draw(YAML_TEXT).encode() + data[at:]
        elif kind == "overwrite":
            text = draw(YAML_TEXT).encode()
            data = data[:at] + text + data[at + len(text) :]
        elif kind == "bytes":
            data = data[:at] + draw(st.binary(min_size=1, max_size=4)) + data[at + 1 :]
        else:
            lines = data.split(b"\n")
            i = draw(st.integers(0, len(lines) - 1))
            edit = draw(st.sampled_from(["delete", "repeat", "indent", "dedent"]))
            if edit == "delete":
                del lines[i]
            elif edit == "repeat":
                lines.insert(i, lines[i])
            elif edit == "indent":
                lines[i] = b"  " + lines[i]
            else:
                lines[i] = lines[i].lstrip()
            data = b"\n".join(lines)
    return data


@st.composite
def shipped_mutant(draw: st.DrawFn, files: list[Path]) -> tuple[Path, bytes]:
    relative = draw(st.sampled_from(files))
    return relative, draw(mutated((SCENARIOS / relative).read_bytes()))


def _write_next_to(scenarios: Path, relative: Path, data: bytes) -> Path:
    path = scenarios / relative.parent / f"mutant-{os.getpid()}.yaml"
    path.write_bytes(data)
    return path


@fuzz(150)
@given(case=shipped_mutant(SHIPPED))
def test_validate_mutated_shipped_files(case: tuple[Path, bytes], scenarios_copy: Path) -> None:
    path = _write_next_to(scenarios_copy, *case)
    done = checked(society(["validate", str(path)]))
    if done.code == 2:
        assert str(path) in done.stderr or "scenarios" in done.stderr, done.stderr


@fuzz(30)
@given(case=shipped_mutant(EXPERIMENTS))
def test_validate_mutated_experiment_files(case: tuple[Path, bytes], scenarios_copy: Path) -> None:
    checked(society(["validate", str(_write_next_to(scenarios_copy, *case))]))


@fuzz(40)
@given(data=st.binary(max_size=600))
def test_validate_random_bytes(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "random.yaml"
        path.write_bytes(data)
        checked(society(["validate", str(path)]))


@st.composite
def truncated_demo(draw: st.DrawFn) -> bytes:
    """A shortened or line-deleted demo scenario: never more agents or rounds than it has."""
    data = (SCENARIOS / "demo.yaml").read_bytes()
    if draw(st.booleans()):
        return data[: draw(st.integers(0, len(data)))]
    lines = data.split(b"\n")
    del lines[draw(st.integers(0, len(lines) - 1))]
    return b"\n".join(lines)


@fuzz(12)
@given(data=truncated_demo())
def test_run_truncated_scenarios(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "demo.yaml"
        path.write_bytes(data)
        checked(society(["run", str(path), "--rounds", "1", "--quiet", "--out", f"{folder}/runs"]))


@pytest.fixture(scope="module")
def base_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("runs")
    done = society(
        ["run", str(SCENARIOS / "demo.yaml"), "--rounds", "3", "--quiet", "--out", str(out)]
    )
    assert done.code == 0, done.output
    (run_dir,) = out.iterdir()
    return run_dir


@st.composite
def damage(draw: st.DrawFn) -> tuple[str, str, int, bytes]:
    name = draw(st.sampled_from(RUN_FILES))
    kind = draw(st.sampled_from(["delete", "truncate", "flip", "replace", "append", "empty"]))
    return name, kind, draw(st.integers(0, 1 << 20)), draw(st.binary(min_size=1, max_size=64))


def _damage(run: Path, name: str, kind: str, at: int, junk: bytes) -> None:
    path = run / name
    if kind == "delete":
        path.unlink(missing_ok=True)
        return
    data = path.read_bytes() if path.is_file() else b""
    at = at % (len(data) + 1)
    if kind == "truncate":
        data = data[:at]
    elif kind == "flip":
        data = (
            data[:at] + bytes(b ^ 0x5A for b in data[at : at + len(junk)]) + data[at + len(junk) :]
        )
    elif kind == "replace":
        data = junk
    elif kind == "append":
        data += junk
    else:
        data = b""
    path.write_bytes(data)
    if name == "checkpoints.sqlite3":  # the WAL would otherwise still hold the good pages
        for extra in ("-wal", "-shm"):
            Path(f"{path}{extra}").unlink(missing_ok=True)


@fuzz(60)
@given(hurt=st.lists(damage(), min_size=1, max_size=2), command=st.sampled_from(FOLDER_COMMANDS))
def test_damaged_run_folders(
    hurt: list[tuple[str, str, int, bytes]], command: str, base_run: Path
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        run = Path(shutil.copytree(base_run, Path(folder) / "run"))
        for name, kind, at, junk in hurt:
            _damage(run, name, kind, at, junk)
        before = set(Path(folder).iterdir())
        args = [command, str(run)] + (["--quiet"] if command == "resume" else [])
        checked(society(args))
        assert set(Path(folder).iterdir()) == before  # writes stay inside the run folder


def test_zz_counts() -> None:
    """The suite's counts (shown with -s); every input ended without a traceback."""
    if not STATS["inputs tried"]:
        pytest.skip("run with the fuzz tests above")
    print("\nfuzz:", ", ".join(f"{key}: {value}" for key, value in sorted(STATS.items())))
    for line in sorted(set(INTERNAL)):
        print("  ", line)
    assert STATS["tracebacks"] == 0
    assert sum(STATS[f"exit {code}"] for code in (0, 1, 2)) == STATS["inputs tried"]
