"""Hostile and broken files (issue #13): each is one clear line naming the file, exit 2, and
no traceback; an unexpected exception is one `society: internal error` line, exit 1."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from cli_in_process import society
from conftest import SCENARIOS
from hostile_shapes import FOLDER, MISSING, SHAPES, write_shapes

from society.bounded_io import MAX_YAML_DEPTH, UnreadableFile, parse_yaml, read_lines

SHAPE_NAMES = [*SHAPES, FOLDER, MISSING]
# What each held-out shape's message must say, besides naming the file.
SAYS = {
    "alias_bomb": "alias bomb",
    "deep_brackets": f"nested more than {MAX_YAML_DEPTH} levels",
    "deep_mappings": f"nested more than {MAX_YAML_DEPTH} levels",
    "deep_blocks": f"nested more than {MAX_YAML_DEPTH} levels",
    "binary": "binary data",
    "latin1": "not UTF-8 text (byte 0xe9 at offset 9)",
    "empty": "the file is empty",
    "top_level_list": "not a list",
    "top_level_scalar": "not a single value",
    "tabs": "not tabs",
    "unclosed_bracket": "is not closed",
    "too_big": "the limit is 1,048,576",
    FOLDER: "is a folder",
    MISSING: "no such file",
}


@pytest.fixture(scope="module")
def shapes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return write_shapes(tmp_path_factory.mktemp("shapes"))


@pytest.mark.parametrize("name", SHAPE_NAMES)
def test_each_held_out_shape_is_one_line_naming_the_file(
    name: str, shapes: dict[str, Path]
) -> None:
    path = shapes[name]
    for command in (["validate", str(path)], ["run", str(path), "--quiet", "--rounds", "1"]):
        done = society(command)
        assert done.code == 2, done.output
        (line,) = done.error_lines()
        assert line.startswith(f"error: {os.path.normpath(path)}"), line
        assert SAYS[name] in line, line
        assert "Traceback" not in done.output


def test_held_out_shapes_through_the_console_script(shapes: dict[str, Path]) -> None:
    """One real process for all of them: what a user sees, one line per file."""
    done = subprocess.run(
        [sys.executable, "-m", "society", "validate", *(str(shapes[n]) for n in SHAPE_NAMES)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 2
    lines = done.stderr.splitlines()
    assert len(lines) == len(SHAPE_NAMES), done.stderr
    for name, line in zip(SHAPE_NAMES, lines, strict=True):
        assert os.path.normpath(shapes[name]) in line and SAYS[name] in line, line
    assert "Traceback" not in done.stderr + done.stdout


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("a: &a [*a]\n", "(a loop)"),
        ("a: 1" + "1" * 5000 + "\n", "cannot read this value"),
        ("a: !!python/object/apply:os.system [ls]\n", "no '!!' tags"),
        ("a: 1\n---\nb: 2\n", "one document per file"),
        ("a: \x01\n", "control character #x0001"),
        ("{[1, 2]: 3}\n", "YAML error"),
    ],
)
def test_other_yaml_hazards_are_refused(text: str, says: str) -> None:
    with pytest.raises(UnreadableFile, match=r"^f\.yaml:[12]: ") as refused:
        parse_yaml(text, "f.yaml")
    assert says in str(refused.value)


def test_an_experiment_file_given_to_run_says_how_to_run_it() -> None:
    path = SCENARIOS / "experiments" / "paper-grid.yaml"
    done = society(["run", str(path), "--quiet"])
    assert done.code == 2
    (line,) = done.error_lines()
    assert "this is an experiment file" in line and f"society experiment {path}" in line


def test_an_experiment_without_grid_is_validated_as_an_experiment(tmp_path: Path) -> None:
    path = tmp_path / "exp.yaml"
    path.write_text(
        f"name: e\nseeds: 2\noverrides: {{rounds: 2}}\nscenario: {SCENARIOS}/demo.yaml\n"
    )
    done = society(["validate", str(path)])
    assert done.code == 0 and "experiment e, 1 cells, 2 runs" in done.stdout, done.output
    done = society(["run", str(path), "--quiet"])
    assert done.code == 2 and "this is an experiment file" in done.stderr


@pytest.mark.parametrize(
    ("yaml_text", "line", "says"),
    [
        (
            "institutions:\n  sanctions:\n    voting: {enabled: true}\n",
            3,
            "institutions.sanctions.voting: unknown field 'voting' here; "
            "did you mean institutions.voting?",
        ),
        (
            "capacity: 100\n",
            1,
            "capacity: unknown field 'capacity' here; did you mean commons.capacity?",
        ),
        (
            "rounds: '40'\n",
            1,
            "rounds: expected a number, not the text '40' (write it without quotes)",
        ),
        (
            "institutions:\n  voting: {enabled: 'true'}\n",
            2,
            "institutions.voting.enabled: expected true or false, not the text 'true' "
            "(write it without quotes)",
        ),
    ],
)
def test_scenario_hints(tmp_path: Path, yaml_text: str, line: int, says: str) -> None:
    path = tmp_path / "s.yaml"
    head = "name: s\npopulation:\n  - {name: a, count: 2, persona: altruistic}\n"
    path.write_text(head + yaml_text)
    done = society(["validate", str(path)])
    assert done.code == 2
    assert done.error_lines() == [f"error: {path}:{line + 3}: {says}"]


def test_price_files_are_bounded_too(shapes: dict[str, Path]) -> None:
    scenario = str(SCENARIOS / "demo.yaml")
    for name in ("alias_bomb", "latin1", "deep_brackets", MISSING):
        done = society(["run", scenario, "--prices", str(shapes[name]), "--quiet", "--rounds", "1"])
        assert done.code == 2, done.output
        (line,) = done.error_lines()
        assert str(shapes[name]) in line and SAYS[name] in line, line


def test_a_json_price_file_nested_too_deeply(tmp_path: Path) -> None:
    path = tmp_path / "prices.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    done = society(["run", str(SCENARIOS / "demo.yaml"), "--prices", str(path), "--quiet"])
    assert done.code == 2 and "nested too deeply" in done.stderr, done.output


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("runs")
    done = society(
        ["run", str(SCENARIOS / "demo.yaml"), "--rounds", "2", "--quiet", "--out", str(out)]
    )
    assert done.code == 0, done.output
    (run_dir,) = out.iterdir()
    return run_dir


def _copy(run_dir: Path, tmp_path: Path) -> Path:
    import shutil

    return Path(
        shutil.copytree(run_dir, tmp_path / "run", ignore=shutil.ignore_patterns("run.lock"))
    )


def test_a_corrupt_line_is_named_by_number(finished_run: Path, tmp_path: Path) -> None:
    run = _copy(finished_run, tmp_path)
    lines = (run / "events.jsonl").read_bytes().splitlines(keepends=True)
    lines[4] = b'{"kind": "decision", oops\n'
    (run / "events.jsonl").write_bytes(b"".join(lines))
    for command in ("inspect", "metrics", "report"):
        done = society([command, str(run)])
        assert done.code == 2, done.output
        assert "events.jsonl:5: not valid JSON" in done.stderr, done.stderr


def test_a_truncated_last_line_says_resume_repairs_it(finished_run: Path, tmp_path: Path) -> None:
    run = _copy(finished_run, tmp_path)
    data = (run / "events.jsonl").read_bytes()
    (run / "events.jsonl").write_bytes(data[:-40])
    done = society(["inspect", str(run)])
    assert done.code == 2
    assert "the last line is cut short" in done.stderr and f"society resume {run}" in " ".join(
        done.stderr.split()
    )


def test_an_overlong_line_is_refused_without_reading_it_whole(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    path.write_bytes(b'{"a": 1}\n' + b"x" * 1000 + b"\n")
    with pytest.raises(UnreadableFile, match=r"events\.jsonl:2: the line is over 100 bytes"):
        list(read_lines(path, label="events.jsonl", limit=100))


def test_a_line_of_100_mb_in_a_run_folder(finished_run: Path, tmp_path: Path) -> None:
    run = _copy(finished_run, tmp_path)
    with (run / "events.jsonl").open("ab") as handle:
        handle.write(b'{"x": "' + b"y" * (100 << 20) + b'"}\n')
    done = society(["metrics", str(run)])
    assert done.code == 2 and "the line is over 16,777,216 bytes" in done.stderr, done.output


def test_a_folder_that_is_not_a_run_names_the_missing_file(tmp_path: Path) -> None:
    for command in ("inspect", "metrics", "report", "resume"):
        done = society([command, str(tmp_path)])
        assert done.code == 2, (command, done.output)
        # report also takes a folder of runs: it says it found none holding events.jsonl.
        assert "events.jsonl" in done.stderr and str(tmp_path) in done.stderr, done.stderr


def test_a_transcript_that_does_not_start_with_run_started(
    finished_run: Path, tmp_path: Path
) -> None:
    run = _copy(finished_run, tmp_path)
    lines = (run / "events.jsonl").read_bytes().splitlines(keepends=True)
    (run / "events.jsonl").write_bytes(b"".join(lines[1:]))
    done = society(["metrics", str(run)])
    assert done.code == 2 and "events.jsonl:1: the first event is 'round_started'" in done.stderr


def test_a_corrupt_timings_line_is_named(finished_run: Path, tmp_path: Path) -> None:
    from society.transcript.reader import TranscriptError, read_timings

    run = _copy(finished_run, tmp_path)
    (run / "timings.jsonl").write_bytes(b'{"seq": 1, "latency_s": 0.5}\n[1, 2]\n')
    with pytest.raises(TranscriptError, match=r"timings\.jsonl:2: not a timing record"):
        read_timings(run)


@pytest.mark.parametrize("damage", ["garbage", "foreign", "flipped"])
def test_a_damaged_checkpoint_database(finished_run: Path, tmp_path: Path, damage: str) -> None:
    run = _copy(finished_run, tmp_path)
    (run / "metrics.json").unlink()  # as if interrupted: resume would otherwise refuse
    db = run / "checkpoints.sqlite3"
    for extra in ("-wal", "-shm"):
        Path(f"{db}{extra}").unlink(missing_ok=True)
    if damage == "garbage":
        db.write_bytes(os.urandom(4096))
    elif damage == "foreign":
        db.unlink()
        with sqlite3.connect(db) as other:
            other.execute("CREATE TABLE notes (text TEXT)")
    else:
        data = bytearray(db.read_bytes())
        for index in range(100, len(data), 509):
            data[index] ^= 0xFF
        db.write_bytes(bytes(data))
    done = society(["resume", str(run), "--quiet"])
    assert done.code == 2, done.output
    (line,) = done.error_lines()
    assert f"{db}: not a society checkpoint database" in line, line
    assert "start a new run or restore the file" in line


def test_a_damaged_replay_store(tmp_path: Path) -> None:
    store = tmp_path / "calls"
    store.mkdir()
    (store / "calls.sqlite3").write_bytes(b"SQLite format 3\x00" + os.urandom(2000))
    done = society(["run", str(SCENARIOS / "demo.yaml"), "--replay", str(store), "--quiet"])
    assert done.code == 2, done.output
    assert "not a society record/replay store" in done.stderr


def test_a_damaged_metrics_json_is_reported(finished_run: Path, tmp_path: Path) -> None:
    run = _copy(finished_run, tmp_path)
    (run / "metrics.json").write_text('{"rounds": ')
    done = society(["report", str(run)])
    assert done.code == 2 and "metrics.json:1: not valid JSON" in done.stderr, done.output


def test_an_unexpected_error_is_one_line_with_exit_1(monkeypatch: pytest.MonkeyPatch) -> None:
    import society.scenario.loading as loading

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom\nsecond line")

    monkeypatch.setattr(loading, "load_with_extends", broken)
    path = str(SCENARIOS / "demo.yaml")
    done = society(["validate", path])
    assert done.code == 1
    assert done.error_lines() == [
        "society: internal error: RuntimeError: boom second line (run with --debug or "
        "SOCIETY_DEBUG=1 for the traceback)"
    ]
    for args, env in (
        (["--debug", "validate", path], None),
        (["validate", path], {"SOCIETY_DEBUG": "1"}),
    ):
        shown = society(args, env=env)
        assert shown.code == 1 and "Traceback" in shown.stderr and "RuntimeError" in shown.stderr
