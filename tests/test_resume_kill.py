"""A society killed with SIGKILL at many points, resumed each time, ends byte-identical to a
run that was never interrupted: rule agents (in-memory store) and a replayed LLM run (Chroma
memory in the run folder), with kills before an event, in the middle of a line, and between
LangGraph's checkpoint and the round mark."""

from __future__ import annotations

import asyncio
import json
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import yaml
from conftest import ROOT, scenario

from society.backends.stack import BackendOptions
from society.coordinator.runner import run_society
from society.scenario import load_scenario
from society.testing import ScriptedChatModel, ScriptedRequest, effort_reply

KILLER = str(ROOT / "tests" / "killer.py")


def society(*args: str) -> list[str]:
    return [sys.executable, "-m", "society", *args]


def killed(spec: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, KILLER, spec, *args], capture_output=True, text=True, timeout=300
    )


def kill_points(events: list[dict], count: int, seed: int) -> list[str]:
    """`count` distinct kill points in run order: before or in the middle of random events,
    and between a round's checkpoint and its mark."""
    rng = random.Random(seed)
    finished = {e["round"]: e["seq"] for e in events if e["kind"] == "round_finished"}
    rounds = sorted(finished)[:-1]
    by_seq: dict[int, str] = {}
    for number in rng.sample(rounds, 2):
        by_seq[finished[number] + 1] = f"mark:{number}"  # ordered as the event after it
    candidates = [s for s in range(1, len(events)) if s not in by_seq and s - 1 not in by_seq]
    for seq in rng.sample(candidates, count - len(by_seq)):
        by_seq[seq] = f"{rng.choice(['before', 'cut'])}:{seq}"
    return [by_seq[seq] for seq in sorted(by_seq)]


def kill_and_resume_chain(first: list[str], points: list[str], out: Path) -> tuple[Path, list[str]]:
    """Start with `first` (society arguments), kill at each point in turn, resuming after
    each kill; finish with a resume that is not killed. Returns the run folder and the
    resume messages."""
    run = killed(points[0], *first)
    assert run.returncode == -signal.SIGKILL, run.stderr
    (run_dir,) = [p for p in out.iterdir() if p.is_dir()]
    messages = []
    for point in points[1:]:
        resumed = killed(point, "resume", str(run_dir), "--quiet")
        assert resumed.returncode == -signal.SIGKILL, (point, resumed.stderr)
        messages.append(resumed.stderr)
    final = subprocess.run(
        society("resume", str(run_dir), "--quiet"), capture_output=True, text=True, timeout=300
    )
    assert final.returncode == 0, final.stderr
    assert "Traceback" not in final.stderr
    messages.append(final.stderr)
    return run_dir, messages


def check_identical(reference: Path, resumed: Path, kills: int, messages: list[str]) -> None:
    assert (resumed / "events.jsonl").read_bytes() == (reference / "events.jsonl").read_bytes()
    assert (resumed / "metrics.json").read_bytes() == (reference / "metrics.json").read_bytes()
    notes = [json.loads(line) for line in (resumed / "resumes.jsonl").read_text().splitlines()]
    assert len(notes) == kills
    # The cut lines were noticed and repaired, the unfinished rounds' events set aside.
    assert any(n["cut_line"] for n in notes)
    assert sum(n["discarded_events"] for n in notes) > 0
    assert any("repaired" in m for m in messages)
    assert (resumed / "events.discarded.jsonl").stat().st_size > 0


def test_rule_society_killed_ten_times_resumes_byte_identical(tmp_path: Path) -> None:
    args = [str(ROOT / "scenarios/demo.yaml"), "--rounds", "8", "--quiet"]
    reference_run = subprocess.run(
        society("run", *args, "--out", str(tmp_path / "ref")), capture_output=True, text=True
    )
    assert reference_run.returncode == 0, reference_run.stderr
    (reference,) = (tmp_path / "ref").iterdir()
    events = [json.loads(line) for line in (reference / "events.jsonl").read_text().splitlines()]
    points = kill_points(events, 10, seed=6)
    assert len(set(points)) == 10
    run_dir, messages = kill_and_resume_chain(
        ["run", *args, "--out", str(tmp_path / "cut")], points, tmp_path / "cut"
    )
    check_identical(reference, run_dir, 10, messages)


def replies(request: ScriptedRequest) -> object:
    number = sum(map(ord, request.agent)) + 7 * request.round + request.index
    if request.attempt == 1 and number % 11 == 0:
        return TimeoutError("scripted timeout")  # a backend error, retried
    if number % 9 == 0:
        return "I would rather not say."  # unusable: re-asked with the error
    return effort_reply(round(0.05 + (number % 7) / 20, 2), f"n={number}")


def test_replayed_llm_society_killed_ten_times_resumes_byte_identical(tmp_path: Path) -> None:
    base = scenario(
        "paper/rich-altruistic.yaml",
        name="replayed",
        rounds=6,
        model={"name": "scripted:x", "backoff_s": 0},
        population=[{"name": "villagers", "count": 4, "persona": "altruistic"}],
    )
    file = tmp_path / "replayed.yaml"
    file.write_text(yaml.safe_dump(base.model_dump(mode="json"), sort_keys=False))
    s = load_scenario(file)
    store = tmp_path / "store"
    fake = ScriptedChatModel(responder=replies)
    asyncio.run(
        run_society(
            s,
            tmp_path / "recorded",
            chat_model_factory=lambda spec: fake,
            backends=BackendOptions(record=store),
        )
    )
    args = [str(file), "--replay", str(store), "--quiet"]
    reference_run = subprocess.run(
        society("run", *args, "--out", str(tmp_path / "ref")), capture_output=True, text=True
    )
    assert reference_run.returncode == 0, reference_run.stderr
    (reference,) = (tmp_path / "ref").iterdir()
    assert (reference / "memory").is_dir()  # LLM minds: Chroma in the run folder
    events = [json.loads(line) for line in (reference / "events.jsonl").read_text().splitlines()]
    assert any(e["kind"] == "llm_call" and e.get("error") for e in events)
    points = kill_points(events, 10, seed=7)
    run_dir, messages = kill_and_resume_chain(
        ["run", *args, "--out", str(tmp_path / "cut")], points, tmp_path / "cut"
    )
    check_identical(reference, run_dir, 10, messages)


def test_killed_from_outside_at_random_moments(tmp_path: Path) -> None:
    """No hook in the process: the test SIGKILLs it whenever the transcript has reached a
    random length, so the kill lands wherever the process happens to be (inside a SQLite
    commit, a memory write, between two events...)."""
    args = [str(ROOT / "scenarios/demo.yaml"), "--rounds", "12", "--quiet"]
    reference_run = subprocess.run(
        society("run", *args, "--out", str(tmp_path / "ref")), capture_output=True, text=True
    )
    assert reference_run.returncode == 0, reference_run.stderr
    (reference,) = (tmp_path / "ref").iterdir()
    total = len((reference / "events.jsonl").read_bytes().splitlines())
    rng = random.Random(12)
    targets = sorted(rng.sample(range(total // 10, total - total // 10), 3))
    out = tmp_path / "cut"
    command = society("run", *args, "--out", str(out))
    kills = 0
    for target in targets:
        process = subprocess.Popen(command, stderr=subprocess.DEVNULL)
        while process.poll() is None:
            found = list(out.glob("*/events.jsonl"))
            if found and found[0].read_bytes().count(b"\n") >= target:
                process.send_signal(signal.SIGKILL)
                break
            time.sleep(0.002)
        process.wait(timeout=300)
        kills += process.returncode == -signal.SIGKILL
        (run_dir,) = out.iterdir()
        command = society("resume", str(run_dir), "--quiet")
    assert kills >= 2  # a resume may rarely finish before its kill lands
    final = subprocess.run(command, capture_output=True, text=True, timeout=300)
    if final.returncode != 0:  # the last resume may already have finished the run
        assert "already finished" in final.stderr, final.stderr
    assert (run_dir / "events.jsonl").read_bytes() == (reference / "events.jsonl").read_bytes()
    assert (run_dir / "metrics.json").read_bytes() == (reference / "metrics.json").read_bytes()
