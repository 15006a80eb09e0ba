"""Every broken scenario in tests/broken_scenarios/ gives one clear error line, no traceback.

Each top-level file there holds exactly one mistake, described by a `# Mistake:` comment, and
starts with

    # expect: <field path or keyword> @ <line>

then, when the error is in a file reached through `extends`, `# in: <file>` (relative to
tests/broken_scenarios/; helper files live in _parts/ and are not cases). A field path must
follow `file:line: ` exactly; a keyword (it has a space, e.g. `YAML syntax`) must appear in
the message. Checked through `load_scenario`, `society validate` and `society run`.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from society.cli import app
from society.scenario import ScenarioError, load_scenario

ROOT = Path(__file__).resolve().parent.parent
BROKEN = Path(__file__).resolve().parent / "broken_scenarios"
EXPECT = re.compile(r"^# expect: (?P<what>\S.*?) @ (?P<line>[1-9]\d*)$")
IN_FILE = re.compile(r"^# in: (?P<file>\S+)$")
# Starting `python -m society` costs seconds (it imports LangGraph), so every file goes through
# the real CLI in one `society validate FILE...` process, a few kinds of mistake also get a
# process of their own (validate and run), and the rest of the per-file checks run in-process.
ALONE_IN_SUBPROCESS = {
    "yaml_unclosed_bracket.yaml",
    "unknown_nested_field.yaml",
    "error_in_parent.yaml",
}


@dataclass(frozen=True)
class Case:
    path: Path
    what: str  # a field path, or a keyword (has a space) such as "YAML syntax"
    line: int
    file: Path  # the file the error must name

    @property
    def id(self) -> str:
        return self.path.stem

    def relative_file(self) -> str:
        """The file as the CLI names it when run from the project root."""
        return os.path.normpath(os.path.relpath(self.file, ROOT))


def _case(path: Path) -> Case:
    lines = path.read_text(encoding="utf-8").splitlines()
    match = EXPECT.match(lines[0]) if lines else None
    assert match, f"{path.name}: first line must be '# expect: <field or keyword> @ <line>'"
    in_file = IN_FILE.match(lines[1]) if len(lines) > 1 else None
    file = BROKEN / in_file["file"] if in_file else path
    return Case(path, match["what"], int(match["line"]), file)


CASES = [_case(path) for path in sorted(BROKEN.glob("*.yaml"))]


def _check_line(line: str, case: Case, file: str) -> None:
    prefix = f"{file}:{case.line}: "
    assert line.startswith(prefix), f"expected {prefix!r} at the start of {line!r}"
    rest = line.removeprefix(prefix)
    if " " in case.what:
        assert case.what in rest, f"expected {case.what!r} in {line!r}"
    else:
        assert rest.startswith(f"{case.what}: "), f"expected field {case.what!r} in {line!r}"
    assert "Traceback" not in line


def _error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.strip()]


def _environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"FORCE_COLOR", "PY_COLORS"}}
    env.update(NO_COLOR="1", COLUMNS="200", PYTHONIOENCODING="utf-8")
    return env


def _society(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "society", *args],
        cwd=ROOT,
        env=_environment(),
        capture_output=True,
        text=True,
        timeout=120,
    )


def _relative(path: Path) -> str:
    return os.path.relpath(path, ROOT)


ALONE = [case for case in CASES if case.path.name in ALONE_IN_SUBPROCESS]


@dataclass(frozen=True)
class Processes:
    all_files: subprocess.CompletedProcess[str]  # `society validate` on every case at once
    alone: dict[tuple[str, str], subprocess.CompletedProcess[str]]  # (command, case id)
    runs: Path  # `--out` of the `run` processes is runs/<case id>


@pytest.fixture(scope="module")
def processes(tmp_path_factory: pytest.TempPathFactory) -> Processes:
    """Every real CLI process the tests need, started together."""
    runs = tmp_path_factory.mktemp("runs")
    jobs: dict[tuple[str, str], tuple[str, ...]] = {
        ("validate", "*"): ("validate", *(_relative(case.path) for case in CASES))
    }
    for case in ALONE:
        jobs["validate", case.id] = ("validate", _relative(case.path))
        jobs["run", case.id] = (
            "run",
            _relative(case.path),
            "--out",
            str(runs / case.id),
            "--quiet",
        )
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = dict(
            zip(jobs, pool.map(lambda args: _society(*args), jobs.values()), strict=True)
        )
    return Processes(results.pop(("validate", "*")), results, runs)


def _check_cli_output(code: int, stdout: str, stderr: str, case: Case, command: str) -> None:
    assert code == 2, stderr
    assert "Traceback" not in stdout + stderr
    if command == "validate":
        assert stdout == ""
    lines = _error_lines(stderr)
    assert len(lines) == 1, f"one mistake should give one line, got {lines}"
    assert lines[0].startswith("error: ")
    _check_line(lines[0].removeprefix("error: "), case, case.relative_file())


def test_there_are_enough_distinct_broken_scenarios() -> None:
    assert len(CASES) >= 24
    mistakes = []
    for case in CASES:
        assert case.file.is_file(), f"{case.path.name}: '# in:' names a missing file"
        text = case.path.read_text(encoding="utf-8")
        found = re.search(r"^# Mistake: (.+)$", text, re.MULTILINE)
        assert found, f"{case.path.name}: describe its one mistake in a '# Mistake:' comment"
        mistakes.append(found[1])
    assert len(set(mistakes)) == len(mistakes), "each file should hold a different mistake"


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_load_scenario_names_file_line_and_field(case: Case) -> None:
    with pytest.raises(ScenarioError) as raised:
        load_scenario(case.path)
    lines = raised.value.lines
    assert len(lines) == 1, f"one mistake should give one line, got {lines}"
    assert str(raised.value) == lines[0]
    _check_line(lines[0], case, os.path.normpath(case.file))


def test_validate_cli_subprocess_reports_every_file_once(processes: Processes) -> None:
    result = processes.all_files
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert result.stdout == "", "no broken file may pass"
    lines = _error_lines(result.stderr)
    assert len(lines) == len(CASES), "each file (one mistake) should give exactly one line"
    for line, case in zip(lines, CASES, strict=True):
        assert line.startswith("error: ")
        _check_line(line.removeprefix("error: "), case, case.relative_file())


@pytest.mark.parametrize("command", ["validate", "run"])
@pytest.mark.parametrize("case", ALONE, ids=lambda case: case.id)
def test_cli_subprocess_on_one_file_exits_2_with_one_line(
    case: Case, command: str, processes: Processes
) -> None:
    result = processes.alone[command, case.id]
    _check_cli_output(result.returncode, result.stdout, result.stderr, case, command)
    out = processes.runs / case.id
    assert not out.exists() or not any(out.iterdir()), "a broken scenario made a run folder"


@pytest.mark.parametrize("command", ["validate", "run"])
@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_cli_in_process_exits_2_with_one_line(
    case: Case, command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "runs"
    monkeypatch.chdir(ROOT)
    args = [command, _relative(case.path)]
    if command == "run":
        args += ["--out", str(out), "--quiet"]
    result = CliRunner().invoke(app, args)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    _check_cli_output(result.exit_code, result.stdout, result.stderr, case, command)
    assert not out.exists(), "a broken scenario made a run folder"
