"""What users rely on does not move: the transcripts, metrics and resolved scenarios of every
shipped scenario (rule agents, seed 1, 20 rounds) and of recorded LLM runs replayed keep the
SHA-256 pinned in `tests/pinned/digests.json`, and runs stopped by an earlier version resume
to the same transcript. See `tests/pinned/digests.py` for what is run and how to re-pin."""

from __future__ import annotations

import asyncio
import json
import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "pinned"))
import digests

PINNED: dict[str, dict[str, str]] = json.loads((digests.HERE / "digests.json").read_text())
RULE_RUNS = sorted(name for name in PINNED if not name.startswith("llm:"))


def test_every_shipped_scenario_is_pinned() -> None:
    shipped = {p.relative_to(digests.SCENARIOS).as_posix() for p in digests.shipped()}
    assert shipped == set(RULE_RUNS)
    assert set(digests.LLM_RUNS) == {name for name in PINNED if name.startswith("llm:")}


@pytest.mark.parametrize("relative", RULE_RUNS)
def test_rule_run_digests_are_unchanged(relative: str, tmp_path: Path) -> None:
    assert digests.rule_run(relative, tmp_path) == PINNED[relative]


@pytest.mark.parametrize("name", sorted(digests.LLM_RUNS))
def test_recorded_llm_runs_replay_to_the_pinned_digests(name: str, tmp_path: Path) -> None:
    assert digests.llm_run(name, tmp_path, record=False) == PINNED[name]


@pytest.mark.parametrize("relative", digests.STOPPED)
def test_a_run_stopped_by_an_earlier_version_resumes_to_the_same_transcript(
    relative: str, tmp_path: Path
) -> None:
    from society.coordinator.resume import resume_society

    pinned = PINNED[relative]
    source = digests.HERE / "stopped" / pinned["folder"]
    run_dir = tmp_path / pinned["folder"]
    shutil.copytree(source, run_dir)
    (run_dir / "run.lock").unlink(missing_ok=True)
    result = asyncio.run(resume_society(run_dir))
    assert result.finished
    assert digests.sha256(run_dir / "events.jsonl") == pinned["events"]
    assert digests.sha256(run_dir / "metrics.json") == pinned["metrics"]
