"""The README's "Write your first scenario" block is a complete scenario that validates and
runs, and its persona table gives the built-in personas' numbers."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import yaml
from conftest import ROOT

from society.games.commons.scenario.personas import persona_table
from society.scenario import load_scenario
from society.scenario.population import BUILTIN_PERSONAS

README = (ROOT / "README.md").read_text(encoding="utf-8")


def section(title: str) -> str:
    start = README.index(f"## {title}\n")
    end = README.index("\n## ", start + 1)
    return README[start:end]


def first_scenario() -> str:
    (block,) = re.findall(r"```yaml\n(.*?)```", section("Write your first scenario"), re.S)
    return block


def test_the_block_is_standalone_and_validates(tmp_path: Path) -> None:
    path = tmp_path / "village.yaml"
    path.write_text(first_scenario(), encoding="utf-8")
    assert "extends" not in yaml.safe_load(first_scenario())
    done = subprocess.run(
        [sys.executable, "-m", "society", "validate", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "first-village, 8 agents, 40 rounds" in done.stdout


def test_the_block_runs_for_three_rounds(tmp_path: Path) -> None:
    path = tmp_path / "village.yaml"
    path.write_text(first_scenario(), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "society", "run", str(path), "--rounds", "3", "--quiet",
         "--out", str(tmp_path / "runs")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    (run_dir,) = (tmp_path / "runs").iterdir()
    assert run_dir.name.startswith("first-village-s1-")
    assert (run_dir / "metrics.json").is_file()


def test_the_numbers_in_the_text_are_the_scenarios(tmp_path: Path) -> None:
    path = tmp_path / "village.yaml"
    path.write_text(first_scenario(), encoding="utf-8")
    scenario = load_scenario(path)
    commons = scenario.commons
    msy = commons.regrowth.rate * commons.capacity / 4
    assert msy == 25 and scenario.agent_count == 8
    assert scenario.norm.limit == 0.8 * msy / scenario.agent_count
    assert commons.end_on_death and commons.starvation


def test_the_persona_table_is_the_one_the_code_generates() -> None:
    """The README's persona table lists every strategy field of every built-in persona, as
    `persona_table()` renders them (paste its output after a change)."""
    text = section("Write your first scenario")
    assert persona_table() in text, persona_table()
    for name, persona in BUILTIN_PERSONAS.items():
        row = next(line for line in persona_table().splitlines() if f"`{name}`" in line)
        numbers = [float(cell) for cell in row.strip("|").split("|")[1:]]
        assert numbers == list(persona.strategy.model_dump().values())

def test_the_schema_lists_every_builtin_personas_numbers() -> None:
    from society.games.commons.scenario import Scenario

    listing = Scenario.model_json_schema()["properties"]["personas"]["description"]
    for name, persona in BUILTIN_PERSONAS.items():
        numbers = ", ".join(f"{k} {v:g}" for k, v in persona.strategy.model_dump().items())
        assert f"{name}: {numbers}" in listing
