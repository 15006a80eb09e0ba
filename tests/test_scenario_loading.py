"""Loading scenario files: shipped scenarios, `extends`, overrides, the schema, error quality."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from society.cli import app
from society.scenario import ScenarioError, load_scenario

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
# Experiment files (scenarios/experiments/) are grids, not scenarios: tests/test_experiments.py.
SHIPPED = sorted(
    p for p in SCENARIOS.rglob("*.yaml") if p.relative_to(SCENARIOS).parts[0] != "experiments"
)

GROUP = "population:\n  - {name: villagers, count: 10}\n"


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _error(path: Path) -> ScenarioError:
    with pytest.raises(ScenarioError) as raised:
        load_scenario(path)
    return raised.value


def test_there_are_shipped_scenarios() -> None:
    names = {path.relative_to(SCENARIOS).as_posix() for path in SHIPPED}
    assert {"demo.yaml", "govsim/fishery.yaml", "paper/_base.yaml"} <= names


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.relative_to(SCENARIOS).as_posix())
def test_shipped_scenario_validates(path: Path) -> None:
    scenario = load_scenario(path)
    assert scenario.agent_count > 0
    assert scenario.rounds >= 1


def test_validate_cli_accepts_every_shipped_scenario() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "society", "validate", *(str(p.relative_to(ROOT)) for p in SHIPPED)],
        cwd=ROOT,
        env={**os.environ, "NO_COLOR": "1", "COLUMNS": "200"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "error" not in result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    oks = [line for line in result.stdout.splitlines() if line.startswith("ok: ")]
    assert len(oks) == len(SHIPPED)


def test_extends_chain_merges_mappings_and_replaces_lists() -> None:
    base = load_scenario(SCENARIOS / "paper/_base.yaml")
    cell = load_scenario(SCENARIOS / "paper/scarce-selfish.yaml")  # -> _scarce -> _base
    assert cell.name == "paper-scarce-selfish"
    assert cell.commons.regrowth.kind == "logistic"
    assert cell.commons.regrowth.rate == pytest.approx(0.2)  # from _scarce
    assert cell.commons.capacity == base.commons.capacity  # kept from _base
    assert cell.commons.collapse == base.commons.collapse
    assert cell.norm.limit == pytest.approx(1.2)  # from _scarce
    assert cell.norm.text == base.norm.text  # sibling key kept from _base
    assert [(g.name, g.persona) for g in cell.population] == [("villagers", "selfish")]


def test_extends_merges_nested_mappings_and_replaces_lists(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "base/parent.yaml",
        "name: parent\nrounds: 40\n"
        "commons:\n  capacity: 200\n  regrowth: {kind: logistic, rate: 0.5}\n"
        "  resource: {name: fish, unit: tons, action: catch}\n"
        "personas:\n  careful:\n    description: Careful.\n"
        "    strategy: {effort: 0.1, monitor: 0.5, punish: 0.5}\n"
        "population:\n  - {name: a, count: 2}\n  - {name: b, count: 3, persona: careful}\n",
    )
    child = _write(
        tmp_path,
        "child.yaml",
        "extends: base/parent.yaml\nname: child\n"
        "commons:\n  regrowth: {rate: 0.3}\n  resource: {unit: kg}\n"
        "population:\n  - {name: c, count: 4, persona: careful}\n",
    )
    scenario = load_scenario(child)
    assert scenario.name == "child"
    assert scenario.rounds == 40
    assert scenario.commons.capacity == 200
    assert scenario.commons.regrowth.rate == pytest.approx(0.3)
    assert scenario.commons.regrowth.kind == "logistic"
    assert scenario.commons.resource.name == "fish"
    assert scenario.commons.resource.unit == "kg"
    assert scenario.commons.resource.action == "catch"
    assert set(scenario.personas) == {"careful"}
    assert [(g.name, g.count) for g in scenario.population] == [("c", 4)]  # replaced, not added


def test_overrides_apply() -> None:
    shipped = load_scenario(SCENARIOS / "demo.yaml")
    scenario = load_scenario(SCENARIOS / "demo.yaml", {"seed": 7, "rounds": 3})
    assert (scenario.seed, scenario.rounds) == (7, 3)
    assert scenario.population == shipped.population


def test_bad_override_names_the_command_line_not_the_file() -> None:
    with pytest.raises(ScenarioError) as raised:
        load_scenario(SCENARIOS / "demo.yaml", {"rounds": 0})
    assert raised.value.lines == [
        "command line: rounds: Input should be greater than or equal to 1 (got 0)"
    ]


def test_schema_command_prints_json_schema(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["schema"])
    assert result.exit_code == 0, result.output
    schema = json.loads(result.stdout)
    assert {"commons", "population", "name", "rounds"} <= set(schema["properties"])
    assert "population" in schema["required"]
    out = tmp_path / "schema.json"
    assert CliRunner().invoke(app, ["schema", "--out", str(out)]).exit_code == 0
    assert json.loads(out.read_text(encoding="utf-8")) == schema


def test_field_error_in_parent_names_the_parent_file(tmp_path: Path) -> None:
    parent = _write(tmp_path, "parts/base.yaml", "name: base\nseed: 1\nrounds: -5\n" + GROUP)
    child = _write(tmp_path, "child.yaml", "# a fine child\nextends: parts/base.yaml\nname: kid\n")
    assert _error(child).lines == [
        f"{parent}:3: rounds: Input should be greater than or equal to 1 (got -5)"
    ]
    fixed = _write(tmp_path, "fixed.yaml", "extends: parts/base.yaml\nname: kid\nrounds: 5\n")
    assert load_scenario(fixed).rounds == 5  # the child's value replaces the parent's


def test_rule_error_points_at_the_child_line_that_breaks_it(tmp_path: Path) -> None:
    _write(tmp_path, "base.yaml", "name: base\ncommons:\n  capacity: 100\n" + GROUP)
    child = _write(
        tmp_path, "child.yaml", "extends: base.yaml\nname: kid\ncommons:\n  initial_stock: 120\n"
    )
    assert _error(child).lines == [
        f"{child}:4: commons.initial_stock: initial_stock (120) exceeds capacity (100)"
    ]


@pytest.mark.parametrize(
    ("text", "field", "suggestion"),
    [
        ("name: x\ncomons: {capacity: 10}\n" + GROUP, "comons", "commons"),
        ("name: x\ncommons: {capasity: 10}\n" + GROUP, "commons.capasity", "capacity"),
        (
            "name: x\ncommons: {regrowth: {kind: doubling, factr: 3}}\n" + GROUP,
            "commons.regrowth.factr",
            "factor",
        ),
        ("name: x\npopulation:\n  - {name: v, cuont: 2}\n", "population[0].cuont", "count"),
    ],
)
def test_unknown_field_suggests_close_match(
    tmp_path: Path, text: str, field: str | None, suggestion: str
) -> None:
    lines = _error(_write(tmp_path, "typo.yaml", text)).lines
    assert len(lines) == 1, lines  # the typo, not also "required field is missing"
    assert f"did you mean {suggestion!r}?" in lines[0]
    if field is not None:
        assert f": {field}: unknown field" in lines[0]


def test_unknown_field_suggests_only_fields_of_that_section(tmp_path: Path) -> None:
    # 'name' exists elsewhere (top level, resource) but not in commons: no misleading hint.
    lines = _error(_write(tmp_path, "typo.yaml", "name: x\ncommons: {nam: fish}\n" + GROUP)).lines
    assert lines == [f"{tmp_path / 'typo.yaml'}:2: commons.nam: unknown field 'nam'"]


def test_independent_mistakes_give_one_line_each_in_file_order(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "two.yaml",
        "name: two\ncommons:\n  capacity: -1\nrounds: 0\npopulation:\n  - {name: v, count: 0}\n",
    )
    lines = _error(path).lines
    assert [line.split(": ")[1] for line in lines] == [
        "commons.capacity",
        "rounds",
        "population[0].count",
    ]
    assert [line.split(":")[1] for line in lines] == ["3", "4", "6"]


def test_unclosed_bracket_names_the_opening_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "open.yaml", "name: x\npopulation: [\n  {name: v, count: 1}\n")
    (line,) = _error(path).lines
    assert line.startswith(f"{path}:3: YAML syntax error: ")
    assert "'[' on line 2 is not closed" in line


def test_python_tags_are_rejected_not_executed(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    marker = tmp_path / "pwned"
    path = _write(
        tmp_path,
        "evil.yaml",
        "name: evil\n"
        'shout: !!python/object/apply:os.system ["echo pwned"]\n'
        f'touch: !!python/object/apply:os.system ["touch {marker}"]\n' + GROUP,
    )
    (line,) = _error(path).lines
    assert line.startswith(f"{path}:2: YAML error: ")
    assert "python/object/apply:os.system" in line
    assert "plain data" in line
    assert not marker.exists()
    assert "pwned" not in capfd.readouterr().out


def test_cli_prints_user_text_verbatim(tmp_path: Path) -> None:
    """Values that look like Rich markup are shown as written, not eaten or crashing."""
    path = _write(tmp_path, "markup.yaml", 'name: "[/bold][red]x"\n' + GROUP)
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 2
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "(got '[/bold][red]x')" in result.stderr


def test_missing_file_is_a_scenario_error(tmp_path: Path) -> None:
    assert _error(tmp_path / "nope.yaml").lines == [f"{tmp_path / 'nope.yaml'}: no such file"]


def test_model_may_be_given_by_name_alone(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "named.yaml",
        "name: named\nmodel: openai:gpt-4o-mini\npopulation:\n"
        "  - {name: a, count: 1}\n  - {name: b, count: 1, model: rules}\n",
    )
    loaded = load_scenario(path)
    assert loaded.model.name == "openai:gpt-4o-mini"
    assert loaded.population[1].model is not None and loaded.population[1].model.is_rules


def test_child_can_switch_the_regrowth_kind(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "parent.yaml",
        "name: parent\ncommons:\n  regrowth: {kind: logistic, rate: 0.6}\n" + GROUP,
    )
    child = _write(
        tmp_path,
        "child.yaml",
        "extends: parent.yaml\nname: child\ncommons:\n  regrowth: {kind: doubling}\n",
    )
    regrowth = load_scenario(child).commons.regrowth
    assert regrowth.kind == "doubling" and regrowth.factor == 2.0


def test_a_number_under_round_points_at_rounds(tmp_path: Path) -> None:
    """`round:` lists a round's phases; `round: 3` is nearly always the round limit misspelt."""
    path = _write(tmp_path, "typo.yaml", "name: x\nround: 3\n" + GROUP)
    (line,) = _error(path).lines
    assert line.startswith(f"{path}:2: round: ")
    assert "did you mean 'rounds'?" in line
