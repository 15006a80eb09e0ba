"""What goes wrong around a resume is said clearly, and nothing written before is lost: a
second process on the folder, a missing or changed scenario, a full disk or read-only file
system, an unwritable output folder, a spent budget, a model backend that stays down."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, scenario
from typer.testing import CliRunner

from society.checkpoint.lock import RunLock
from society.cli import app
from society.coordinator.resume import resume_society
from society.coordinator.runner import RunResult, run_society
from society.coordinator.session import RunControl
from society.scenario import Scenario
from society.testing import ScriptedChatModel, ScriptedRequest, effort_reply

DEMO = ROOT / "scenarios/demo.yaml"


def demo(rounds: int = 6) -> Scenario:
    return scenario("demo.yaml", rounds=rounds)


def stopped_after(s: Scenario, out: Path, rounds: int) -> RunResult:
    """A run stopped at a round boundary (as after one Ctrl-C)."""
    control = RunControl()

    def stop(number: int, stock: float) -> None:
        if number == rounds:
            control.request_stop()

    result = asyncio.run(run_society(s, out, on_round_finished=stop, control=control))
    assert not result.finished
    return result


def cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


def files(run_dir: Path) -> dict[str, bytes]:
    return {
        p.name: p.read_bytes()
        for p in run_dir.iterdir()
        if p.is_file() and p.suffix in (".jsonl", ".json", ".yaml")
    }


def test_a_second_process_cannot_write_the_folder(tmp_path: Path) -> None:
    run_dir = stopped_after(demo(), tmp_path, 3).run_dir
    before = files(run_dir)
    with RunLock(run_dir):
        code, output = cli("resume", str(run_dir), "--quiet")
    assert code == 2 and "Traceback" not in output
    assert "is in use by society process" in output and str(os.getpid()) in output
    assert files(run_dir) == before
    code, output = cli("resume", str(run_dir), "--quiet")  # the lock is gone with its holder
    assert code == 0, output


def test_missing_scenario_is_refused_unless_forced(tmp_path: Path) -> None:
    reference = asyncio.run(run_society(demo(), tmp_path / "ref"))
    run_dir = stopped_after(demo(), tmp_path / "cut", 3).run_dir
    (run_dir / "scenario.yaml").unlink()
    before = files(run_dir)
    code, output = cli("resume", str(run_dir), "--quiet")
    assert code == 2 and "scenario.yaml is missing" in output and "--force" in output
    assert files(run_dir) == before
    code, output = cli("resume", str(run_dir), "--quiet", "--force")
    assert code == 0, output
    assert "warning: --force: scenario.yaml: missing" in output
    # The recorded copy is the same scenario: the run ends as if never stopped.
    assert (run_dir / "events.jsonl").read_bytes() == (
        reference.run_dir / "events.jsonl"
    ).read_bytes()


def test_changed_scenario_is_refused_naming_what_differs(tmp_path: Path) -> None:
    run_dir = stopped_after(demo(), tmp_path, 3).run_dir
    path = run_dir / "scenario.yaml"
    data = yaml.safe_load(path.read_text())
    rate = data["commons"]["regrowth"]["rate"]
    data["commons"]["regrowth"]["rate"] = 0.5
    data["rounds"] = 9
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    before = files(run_dir)
    code, output = cli("resume", str(run_dir), "--quiet")
    assert code == 2 and "Traceback" not in output
    flat = " ".join(output.split())
    assert "differs from the scenario this run started with" in flat
    assert f"commons.regrowth.rate: {rate} → 0.5" in flat and "rounds: 6 → 9" in flat
    assert files(run_dir) == before
    code, output = cli("resume", str(run_dir), "--quiet", "--force")
    assert code == 0, output
    notes = [json.loads(line) for line in (run_dir / "resumes.jsonl").read_text().splitlines()]
    assert "rounds: 6 → 9" in notes[-1]["forced"]
    finished = json.loads((run_dir / "events.jsonl").read_text().splitlines()[-1])
    assert finished["kind"] == "run_finished" and finished["rounds_completed"] == 9


@pytest.mark.parametrize(
    ("code", "said"), [("ENOSPC", "the disk is full"), ("EROFS", "not writable")]
)
def test_write_failure_mid_run_keeps_the_rounds_and_resumes(
    tmp_path: Path, code: str, said: str
) -> None:
    reference = asyncio.run(run_society(demo(), tmp_path / "ref"))
    events = reference.run_dir.joinpath("events.jsonl").read_bytes().splitlines(keepends=True)
    fail_at = len(events) // 2
    done = subprocess.run(
        [
            *(sys.executable, str(ROOT / "tests/killer.py"), f"{code}:{fail_at}", "run"),
            *(str(DEMO), "--rounds", "6", "--quiet", "--out", str(tmp_path / "cut")),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 2 and "Traceback" not in done.stderr
    message = " ".join(done.stderr.split())
    assert said in message and "society resume" in message
    (run_dir,) = (tmp_path / "cut").iterdir()
    # Earlier output is intact: every complete event is the reference's, in order.
    written = (run_dir / "events.jsonl").read_bytes().splitlines(keepends=True)
    assert written[:fail_at] == events[:fail_at] and not written[fail_at].endswith(b"\n")
    code_, output = cli("metrics", str(run_dir))  # reading it says what is wrong
    assert code_ == 2 and "cut short" in output and "society resume" in " ".join(output.split())
    code_, output = cli("resume", str(run_dir), "--quiet")
    assert code_ == 0, output
    assert "repaired" in " ".join(output.split())
    assert (run_dir / "events.jsonl").read_bytes() == b"".join(events)
    assert (run_dir / "metrics.json").read_bytes() == (
        reference.run_dir / "metrics.json"
    ).read_bytes()


def test_unwritable_output_folder_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the output folder should be\n")
    code, output = cli("run", str(DEMO), "--rounds", "2", "--quiet", "--out", str(blocker / "runs"))
    assert code == 2 and "Traceback" not in output
    assert "not writable" in output and "no run folder was made" in output
    assert blocker.read_text() == "a file where the output folder should be\n"


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_read_only_output_folder_is_a_clear_error(tmp_path: Path) -> None:
    out = tmp_path / "runs"
    out.mkdir()
    out.chmod(0o555)
    try:
        code, output = cli("run", str(DEMO), "--rounds", "2", "--quiet", "--out", str(out))
    finally:
        out.chmod(0o755)
    assert code == 2 and "not writable" in output and "Traceback" not in output
    assert list(out.iterdir()) == []


def llm_demo(rounds: int = 5) -> Scenario:
    return scenario(
        "paper/rich-altruistic.yaml",
        rounds=rounds,
        model={"name": "scripted:x", "backoff_s": 0, "max_retries": 2},
        population=[{"name": "villagers", "count": 3, "persona": "altruistic"}],
        memory={"enabled": False},
    )


def healthy(request: ScriptedRequest) -> str:
    return effort_reply(0.1 + 0.05 * (request.round % 3), f"round {request.round}")


def test_backend_down_past_the_retries_stops_resumably(tmp_path: Path) -> None:
    s = llm_demo()

    def down_from_round_3(request: ScriptedRequest) -> object:
        if request.round >= 3:
            return ConnectionError("connection refused")
        return healthy(request)

    reference = asyncio.run(
        run_society(
            s, tmp_path / "ref", chat_model_factory=lambda _: ScriptedChatModel(responder=healthy)
        )
    )
    down = asyncio.run(
        run_society(
            s,
            tmp_path / "cut",
            chat_model_factory=lambda _: ScriptedChatModel(responder=down_from_round_3),
        )
    )
    assert down.metrics.end_reason == "backend_unavailable"
    assert down.metrics.rounds_completed == 2
    lines = (down.run_dir / "events.jsonl").read_text().splitlines()
    failed = [json.loads(x) for x in lines if '"decision_failed"' in x]
    assert failed and all(f["reason"] == "backend_unavailable" for f in failed)
    assert all(f["attempts"] == 3 and "connection refused" in f["error"] for f in failed)
    # Rounds 1-2 are intact: the reference's bytes up to its round 2's end.
    ref = (reference.run_dir / "events.jsonl").read_text().splitlines(keepends=True)
    end_2 = next(i for i, x in enumerate(ref) if '"round_finished"' in x and '"round":2' in x)
    assert (down.run_dir / "events.jsonl").read_text().startswith("".join(ref[: end_2 + 1]))
    # Back up: the run goes on from round 3 and ends as if the backend had never failed.
    resumed = asyncio.run(
        resume_society(
            down.run_dir, chat_model_factory=lambda _: ScriptedChatModel(responder=healthy)
        )
    )
    assert resumed.finished
    assert (resumed.run_dir / "events.jsonl").read_bytes() == (
        reference.run_dir / "events.jsonl"
    ).read_bytes()


def test_cli_says_the_backend_is_down_and_how_to_resume(tmp_path: Path) -> None:
    from society.testing import StubOpenAIServer, StubReply

    with StubOpenAIServer(lambda request: StubReply(status=503, error="overloaded")) as server:
        data = llm_demo(2).model_dump(mode="json")
        data["model"] = {"name": "openai:stub", "base_url": server.base_url, "backoff_s": 0}
        data["model"]["max_retries"] = 1
        file = tmp_path / "down.yaml"
        file.write_text(yaml.safe_dump(data, sort_keys=False))
        code, output = cli("run", str(file), "--quiet", "--out", str(tmp_path / "runs"))
    assert code == 1 and "Traceback" not in output
    flat = " ".join(output.split())
    assert "the model backend stayed unavailable past its retries in round 1" in flat
    assert "503" in flat and "society resume" in flat


def test_budget_stop_resumes_with_a_raised_budget(tmp_path: Path) -> None:
    fake = ScriptedChatModel(responder=healthy)
    generous = llm_demo().model_copy(deep=True)
    reference = asyncio.run(
        run_society(generous, tmp_path / "ref", chat_model_factory=lambda _: fake)
    )
    data = llm_demo().model_dump(mode="json")
    data["llm"]["budget"] = {"max_calls": 7}
    tight = Scenario.model_validate(data, context={"personas": list(data["personas"])})
    stopped = asyncio.run(run_society(tight, tmp_path / "cut", chat_model_factory=lambda _: fake))
    assert stopped.metrics.end_reason == "budget_exhausted"
    # Resuming with the same budget stops again at once, losing nothing.
    again = asyncio.run(resume_society(stopped.run_dir, chat_model_factory=lambda _: fake))
    assert again.metrics.end_reason == "budget_exhausted"
    resumed = asyncio.run(
        resume_society(
            stopped.run_dir, budget={"max_calls": 1000}, chat_model_factory=lambda _: fake
        )
    )
    assert resumed.metrics.end_reason == "round_limit"
    # Only run_started (it records the first budget) and the run id (a digest of the scenario)
    # differ: every later event is the uninterrupted run's.
    ours = (resumed.run_dir / "events.jsonl").read_text().splitlines()[1:]
    theirs = (reference.run_dir / "events.jsonl").read_text().splitlines()[1:]
    assert [x.replace(stopped.run_id, reference.run_id) for x in ours] == theirs


def test_ctrl_c_stops_at_a_round_boundary_and_says_how_to_resume(tmp_path: Path) -> None:
    reference = asyncio.run(run_society(demo(60), tmp_path / "ref"))
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "society", "run", str(DEMO), "--rounds", "60", "--quiet"),
            *("--out", str(tmp_path / "cut")),
        ],
        stderr=subprocess.PIPE,
        text=True,
    )
    events = None
    while process.poll() is None:
        found = list((tmp_path / "cut").glob("*/events.jsonl"))
        if found and b'"round_finished"' in found[0].read_bytes():
            events = found[0]
            break
        time.sleep(0.01)
    assert events is not None, "the run ended before it could be interrupted"
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130 and "Traceback" not in stderr
    flat = " ".join(stderr.split())
    assert "Stopping after round" in flat and "society resume" in flat
    assert json.loads(events.read_text().splitlines()[-1])["kind"] == "round_finished"
    code, output = cli("resume", str(events.parent), "--quiet")
    assert code == 0, output
    assert events.read_bytes() == (reference.run_dir / "events.jsonl").read_bytes()


def test_second_ctrl_c_stops_at_once() -> None:
    from society.cli.stopping import stoppable

    control = RunControl()
    seen: list[bool] = []

    async def play(c: RunControl) -> str:
        os.kill(os.getpid(), signal.SIGINT)
        await asyncio.sleep(0.05)
        seen.append(c.stop_requested)  # the first Ctrl-C only asks for a stop
        os.kill(os.getpid(), signal.SIGINT)
        await asyncio.sleep(5)
        return "not stopped"

    with pytest.raises(asyncio.CancelledError):
        asyncio.run(stoppable(play, control))
    assert seen == [True]
