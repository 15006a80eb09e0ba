"""`society report`: the data behind the page, the CLI, and the page itself driven in headless
Chromium (clicking a decision shows its prompt and recalled memories; filters; shared links)."""

from __future__ import annotations

import asyncio
import base64
import gzip
import json
import os
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from conftest import scenario
from typer.testing import CliRunner

from society.cli import app
from society.coordinator.runner import run_society
from society.report import load_run, write_run_report
from society.report.headless import find_chromium
from society.testing import ScriptedChatModel, ScriptedRequest, effort_reply, governance_reply
from society.transcript import LLMCall, MemoryRetrieved, read_events

HOSTILE = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">'
STUBBORN = "villagers-2"  # its harvest replies in round 3 are never usable


def replies(request: ScriptedRequest) -> str:
    if request.prompt_id == "harvest_effort":
        if request.agent == STUBBORN and request.round == 3:
            return "no idea"
        if request.agent == "villagers-1" and request.round == 2 and request.attempt == 1:
            return "I will fish a lot!"  # retried once
        return effort_reply(0.3 if request.agent == "villagers-4" else 0.05)
    if request.prompt_id == "respond":
        text = HOSTILE if request.agent == "villagers-3" else "All fine here."
        about = "villagers-1" if request.agent == "villagers-4" else "villagers-4"
        return json.dumps(
            {
                "messages": [
                    {
                        "to": "all",
                        "text": text,
                        "claims": [{"about": about, "round": request.round, "harvest": 9}],
                    }
                ],
                "punish": [],
                "rationale": "keep everyone informed",
            }
        )
    canned = governance_reply(request)
    if canned is None:
        raise LookupError(f"no reply for {request.prompt_id}")
    return canned


@pytest.fixture(scope="module")
def llm_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    s = scenario(
        "paper/rich-altruistic.yaml",
        rounds=4,
        model={"name": "scripted:report"},
        population=[{"name": "villagers", "count": 4, "persona": "altruistic"}],
        institutions={
            "monitoring": {"enabled": True},
            "gossip": {"enabled": True},
            "voting": {"enabled": True},
            "social_learning": {"enabled": True},
        },
    )
    fake = ScriptedChatModel(responder=replies)
    out = tmp_path_factory.mktemp("report-run")
    result = asyncio.run(run_society(s, out, chat_model_factory=lambda spec: fake, backoff_s=0))
    return result.run_dir


def decode_blob(html: str, blob_id: str) -> Any:
    match = re.search(
        rf'<script type="application/x-society-data" id="{blob_id}">([^<]*)</script>', html
    )
    assert match, f"no blob {blob_id}"
    return json.loads(gzip.decompress(base64.b64decode(match.group(1))))


# ---------- the data ----------


def test_every_llm_decision_carries_its_provenance(llm_run: Path) -> None:
    data = load_run(llm_run)
    events = list(read_events(llm_run))
    turns = data.core["turns"]
    assert len(turns) == sum(e.kind in ("decision", "decision_failed") for e in events)
    calls = {e.seq: e for e in events if isinstance(e, LLMCall)}
    recalled = {(e.round, e.agent, e.phase): e for e in events if isinstance(e, MemoryRetrieved)}
    agents = [a["id"] for a in data.core["agents"]]
    for seq, round_number, agent_index, phase, *_ in turns:
        detail = data.provenance[round_number][str(seq)]
        agent = agents[agent_index]
        assert detail["calls"], f"turn {seq} has no model call"
        for call in detail["calls"]:
            event = calls[call["seq"]]
            assert (event.agent, event.round, event.phase) == (agent, round_number, phase)
            assert call["messages"] == [[m.role, m.content] for m in event.messages]
            assert call["reply"] == event.reply
        recall = recalled.get((round_number, agent, phase))
        if recall is not None:
            assert [item[2] for item in detail["recall"]["items"]] == [m.text for m in recall.items]
    # The retried decision shows both attempts; the failed one its error and last reply.
    retried = [
        t for t in turns if agents[t[2]] == "villagers-1" and t[1] == 2 and t[3] == "harvest"
    ]
    assert retried[0][6] == 2 and len(data.provenance[2][str(retried[0][0])]["calls"]) == 2
    failed = [t for t in turns if t[7] is not None]
    assert failed and all(agents[t[2]] == STUBBORN and t[1] == 3 for t in failed)
    assert failed[0][7]["last_reply"] == "no idea"


def test_the_reflection_in_force_is_the_latest_one_before_the_decision(llm_run: Path) -> None:
    data = load_run(llm_run)
    reflections = data.core["reflections"]
    assert reflections
    checked = 0
    for seq, round_number, agent_index, *_rest in data.core["turns"]:
        in_force = _rest[-2]
        earlier = [r for r in reflections if r[2] == agent_index and r[0] < seq]
        if not earlier:
            assert in_force == -1
            continue
        assert reflections[in_force] == earlier[-1]
        assert reflections[in_force][1] <= round_number
        checked += 1
    assert checked > 0


# ---------- the command ----------


def test_report_command_writes_one_offline_page(llm_run: Path, tmp_path: Path) -> None:
    out = tmp_path / "page.html"
    result = CliRunner().invoke(app, ["report", str(llm_run), "--out", str(out)])
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    # Self-contained: no external script, style, image or frame.
    assert not re.search(r'(src|href)\s*=\s*"(https?:)?//', html)
    assert "@import" not in html and not re.search(r"url\((?!#)", html)
    assert "default-src 'none'" in html
    # The hostile message is data inside the compressed blob, never markup in the page.
    assert "__pwned" not in html
    core = decode_blob(html, "core-0")
    texts = [m[2] for r in core["rounds"] for m in r["messages"]]
    assert HOSTILE in texts
    # Same run, same page, byte for byte.
    again = tmp_path / "again.html"
    write_run_report(llm_run, again)
    assert again.read_bytes() == out.read_bytes()


def test_report_of_an_experiment_lists_its_runs_by_folder(llm_run: Path, tmp_path: Path) -> None:
    root = tmp_path / "grid"
    shutil.copytree(llm_run, root / "scarce" / "seed-1" / llm_run.name)
    shutil.copytree(llm_run, root / "rich" / llm_run.name)
    broken = root / "rich" / "killed-run"
    shutil.copytree(llm_run, broken)
    with (broken / "events.jsonl").open("a", encoding="utf-8") as handle:
        handle.write('{"schema_version":1,"kind":"round_sta')  # killed mid-line
    (root / "notes").mkdir()
    result = CliRunner().invoke(app, ["report", str(root)])
    assert result.exit_code == 0, result.output
    assert "killed-run" in result.output and "skipped an unreadable run" in result.output
    html = (root / "report.html").read_text(encoding="utf-8")
    index = decode_blob(html, "index")
    rows = {(r["folder"], r["name"]): r for r in index["runs"]}
    assert set(rows) == {
        ("rich", "killed-run"),
        ("rich", llm_run.name),
        ("scarce/seed-1", llm_run.name),
    }
    assert "the last line is cut short" in rows[("rich", "killed-run")]["error"]
    good = rows[("rich", llm_run.name)]
    assert good["summary"]["rounds_completed"] == 4
    assert decode_blob(html, f"core-{good['key']}")["run"]["id"] == good["run"]["id"]


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (lambda p: p, "no such folder"),
        (lambda p: p.mkdir() or p, "no run folders here"),
    ],
)
def test_bad_folders_are_clear_errors(tmp_path: Path, setup: Any, message: str) -> None:
    target = setup(tmp_path / "nothing")
    result = CliRunner().invoke(app, ["report", str(target)])
    assert result.exit_code == 2
    assert message in result.output and "Traceback" not in result.output


def test_a_truncated_transcript_is_a_clear_error(llm_run: Path, tmp_path: Path) -> None:
    run = tmp_path / "run"
    shutil.copytree(llm_run, run)
    lines = (run / "events.jsonl").read_text(encoding="utf-8").splitlines()
    (run / "events.jsonl").write_text("\n".join(lines[:-1]) + "\n" + lines[-1][:20], "utf-8")
    result = CliRunner().invoke(app, ["report", str(run)])
    assert result.exit_code == 2
    assert "the last line is cut short" in result.output and "Traceback" not in result.output
    assert not (run / "report.html").exists()


def test_an_unfinished_run_is_reported_as_such(llm_run: Path, tmp_path: Path) -> None:
    run = tmp_path / "run"
    shutil.copytree(llm_run, run)
    (run / "metrics.json").unlink()
    lines = (run / "events.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)
    cut = next(i for i, line in enumerate(lines) if '"round":3' in line)
    (run / "events.jsonl").write_text("".join(lines[:cut]), encoding="utf-8")
    result = CliRunner().invoke(app, ["report", str(run)])
    assert result.exit_code == 0, result.output
    core = decode_blob((run / "report.html").read_text(encoding="utf-8"), "core-0")
    assert core["metrics"] is None and core["run"]["end_reason"] is None
    assert [r["r"] for r in core["rounds"]] == [1, 2]


# ---------- the page in a browser ----------

needs_chromium = pytest.mark.skipif(
    find_chromium() is None,
    reason="Chromium is not installed: apt-get install chromium (.ci/run installs it)",
)


def shots_dir(tmp_path: Path) -> Path:
    """Screenshots go to $SOCIETY_REPORT_SHOTS when set (to look at them), else tmp_path."""
    folder = Path(os.environ.get("SOCIETY_REPORT_SHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@needs_chromium
def test_page_in_headless_chromium(llm_run: Path, tmp_path: Path) -> None:
    from society.report.headless import headless_page

    page_file = write_run_report(llm_run, tmp_path / "report.html")
    url = page_file.resolve().as_uri()
    shots = shots_dir(tmp_path)
    with headless_page() as page:
        page.goto(url)
        page.wait_for_selector("body[data-ready='1']")
        assert page.locator("[data-view='overview'] svg polyline").count() >= 2

        # Click a decision: its prompt and the memories it recalled appear.
        page.click("a[data-tab='search']")
        page.wait_for_selector("[data-view='search'] tr.hit")
        page.select_option("#filter-kind", "decision")
        page.wait_for_function("location.hash.includes('fk=decision')")
        page.fill("#filter-text", "harvest: effort")
        page.wait_for_function("location.hash.includes('fq=harvest')")
        link = page.locator("[data-view='search'] a.decision").nth(6)
        link.click()
        page.wait_for_selector("#detail [data-decision] pre.prompt-message")
        detail = page.locator("#detail")
        assert "Round" in detail.locator("pre.prompt-message").nth(1).inner_text()
        memories = detail.locator("table.memories tr.memory")
        assert memories.count() >= 1
        assert "Norm in force" in memories.first.inner_text()
        assert detail.locator("pre.reply").first.inner_text().startswith('{"effort"')
        page.screenshot(path=str(shots / "report-decision.png"))
        assert (shots / "report-decision.png").stat().st_size > 10_000

        # Filter by agent: every row left involves that agent, and some were filtered out.
        page.goto(url + "#view=search")
        page.wait_for_selector("[data-view='search'] tr.hit")
        before = page.locator("tr.hit").count()
        page.select_option("#filter-agent", "villagers-3")
        page.wait_for_function("location.hash.includes('fa=villagers-3')")
        page.wait_for_selector(
            "#filter-agent >> xpath=//option[@selected and @value='villagers-3']", state="attached"
        )
        rows = page.locator("tr.hit")
        assert 0 < rows.count() < before
        for agents in rows.evaluate_all("rows => rows.map(r => r.dataset.agents)"):
            assert "villagers-3" in agents.split(" ")
        page.screenshot(path=str(shots / "report-filter.png"))

        # A shared link to a round shows its messages as text; the hostile one never runs.
        page.goto(url + "#view=round&r=2")
        page.wait_for_selector("[data-view='round'] li.message")
        messages = page.locator("li.message").all_inner_texts()
        assert any(HOSTILE in text for text in messages)
        assert page.evaluate("window.__pwned") is None
        page.screenshot(path=str(shots / "report-round.png"), full_page=True)

        # The same text in the model's raw reply is shown as text too.
        data = load_run(llm_run)
        agents = [a["id"] for a in data.core["agents"]]
        hostile = next(
            t for t in data.core["turns"] if agents[t[2]] == "villagers-3" and t[3] == "respond"
        )
        page.goto(url + f"#view=agent&agent=villagers-3&d={hostile[0]}")
        page.wait_for_selector(f"#detail [data-decision='{hostile[0]}'] pre.reply")
        assert "<script>" in page.locator("#detail pre.reply").first.inner_text()
        assert page.evaluate("window.__pwned") is None
        page.screenshot(path=str(shots / "report-agent.png"))

        # A shared link to the failed decision opens it, with the error and the last reply.
        failed = next(t for t in data.core["turns"] if t[7] is not None)
        page.goto(url + f"#d={failed[0]}")
        page.wait_for_selector(f"#detail [data-decision='{failed[0]}']")
        assert "No usable decision" in page.locator("#detail").inner_text()
        assert page.locator("#detail .call.failed").count() >= 3

        page.goto(url + "#view=gossip")
        page.wait_for_selector("[data-view='gossip'] svg path.edge")
        page.screenshot(path=str(shots / "report-gossip.png"))
        page.goto(url + "#view=gossip&fr=9-12")  # after the last round: nobody spoke
        page.wait_for_selector("[data-view='gossip'] p.muted")
        assert page.locator("[data-view='gossip'] svg path.edge").count() == 0
        assert page.society_errors == []


@needs_chromium
def test_experiment_page_in_headless_chromium(llm_run: Path, tmp_path: Path) -> None:
    from society.report.experiment import write_experiment_report
    from society.report.headless import headless_page

    root = tmp_path / "grid"
    for arm in ("governed", "ungoverned"):
        shutil.copytree(llm_run, root / arm / llm_run.name)
    page_file, warnings = write_experiment_report(root)
    assert warnings == []
    with headless_page() as page:
        page.goto(page_file.resolve().as_uri())
        page.wait_for_selector("[data-view='experiment'] table")
        assert page.locator("[data-view='experiment'] h2").all_inner_texts() == [
            "governed",
            "ungoverned",
        ]
        page.locator("[data-view='experiment'] a", has_text=llm_run.name).nth(1).click()
        page.wait_for_selector("[data-view='overview'] svg polyline")
        assert "run=1" in page.evaluate("location.hash")
        page.click("a[data-tab='round']")
        page.wait_for_selector("[data-view='round'] li.message")
        assert "run=1" in page.evaluate("location.hash")
        page.screenshot(path=str(shots_dir(tmp_path) / "report-experiment-run.png"))
        page.click("text=← all runs")
        page.wait_for_selector("[data-view='experiment'] table")
        page.screenshot(path=str(shots_dir(tmp_path) / "report-experiment.png"))
        assert page.society_errors == []


def test_non_finite_numbers_are_shown_by_name() -> None:
    from society.report.page import encode

    decoded = json.loads(gzip.decompress(base64.b64decode(encode({"x": [float("nan"), 1.5]}))))
    assert decoded == {"x": ["nan", 1.5]}
