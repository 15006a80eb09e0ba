"""A scenario changes what agents are told: `prompts:` overrides shipped templates and
partials by name, from files relative to the scenario; the resolved scenario carries the
texts; the recorded template hash covers every partial a template includes."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import yaml
from conftest import SCENARIOS

from society.coordinator.runner import run_society
from society.prompts import PromptLibrary
from society.scenario import ScenarioError, load_scenario
from society.testing import ScriptedChatModel, effort_reply
from society.transcript import LLMCall, read_events

FRAMING = "You are {{ view.agent }}. TEST-FRAMING: a village by a lake.\n"


def _scenario_file(tmp_path: Path, prompts: dict) -> Path:
    path = tmp_path / "custom.yaml"
    body = {
        "extends": str(SCENARIOS / "paper" / "rich-altruistic.yaml"),
        "name": "custom",
        "rounds": 1,
        "model": {"name": "scripted:x"},
        "prompts": prompts,
    }
    path.write_text(yaml.safe_dump(body), encoding="utf-8")
    return path


def _run(scenario, out: Path) -> list[LLMCall]:
    fake = ScriptedChatModel(responder=lambda r: effort_reply(0.1))
    result = asyncio.run(
        run_society(scenario, out, chat_model_factory=lambda spec: fake, backoff_s=0)
    )
    return [e for e in read_events(result.run_dir) if isinstance(e, LLMCall)]


def test_a_partial_override_changes_every_prompt_and_its_hash(tmp_path: Path) -> None:
    (tmp_path / "framing.j2").write_text(FRAMING, encoding="utf-8")
    path = _scenario_file(tmp_path, {"files": {"partials/system": "framing.j2"}})
    scenario = load_scenario(path)
    assert scenario.prompts is not None
    assert scenario.prompts.templates == {"partials/system": FRAMING}
    calls = _run(scenario, tmp_path / "runs")
    assert calls and all("TEST-FRAMING" in c.messages[0].content for c in calls)
    shipped = PromptLibrary().template_sha256("harvest_effort")
    assert {c.template_sha256 for c in calls if c.prompt_id == "harvest_effort"} != {shipped}
    # The run folder's scenario carries the text, so it loads (and resumes) on its own.
    (run_dir,) = [p for p in (tmp_path / "runs").iterdir() if p.is_dir()]
    again = load_scenario(run_dir / "scenario.yaml")
    assert again == scenario


def test_a_folder_overrides_templates_by_name(tmp_path: Path) -> None:
    folder = tmp_path / "mine"
    (folder / "partials").mkdir(parents=True)
    (folder / "partials" / "system.j2").write_text(FRAMING, encoding="utf-8")
    scenario = load_scenario(_scenario_file(tmp_path, {"folder": "mine"}))
    assert set(scenario.prompts.templates) == {"partials/system"}  # type: ignore[union-attr]


def test_the_hash_covers_included_partials() -> None:
    plain = PromptLibrary()
    changed = PromptLibrary(overrides={"partials/answer": "Answer in JSON.\n"})
    assert plain.template_sha256("vote") != changed.template_sha256("vote")
    # A template that does not include the changed partial keeps its hash.
    assert "partials/answer" not in plain.source("repair")
    assert plain.template_sha256("repair") == changed.template_sha256("repair")


def test_scenarios_without_prompts_keep_their_resolved_form() -> None:
    scenario = load_scenario(SCENARIOS / "demo.yaml")
    assert scenario.prompts is None
    assert "prompts" not in scenario.model_dump(mode="json")


@pytest.mark.parametrize(
    ("prompts", "files", "message"),
    [
        ({"files": {"harvest_efort": "x.j2"}}, {"x.j2": FRAMING}, "did you mean 'harvest_effort'?"),
        ({"files": {"harvest_effort": "missing.j2"}}, {}, "no such file"),
        ({"files": {"vote": "bad.j2"}}, {"bad.j2": "--- system ---\n{% if %}\n"}, "bad.j2:2: template syntax error"),
        ({"folder": "nowhere"}, {}, "no such folder"),
    ],
)
def test_bad_prompt_files_name_the_field_and_line(
    tmp_path: Path, prompts: dict, files: dict, message: str
) -> None:
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    path = _scenario_file(tmp_path, prompts)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    (line,) = caught.value.lines
    assert line.startswith(f"{path}:") and "prompts." in line
    assert message in line
