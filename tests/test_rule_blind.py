"""A factor that varies only what rule minds never read is flagged by `society validate` and
`society experiment`: with rule minds its levels cannot change the outcome."""

from __future__ import annotations

from pathlib import Path

from cli_in_process import society

from society.experiments.rule_blind import rule_blind_warnings
from society.experiments.spec import load_experiment

BASE = Path(__file__).resolve().parent.parent / "scenarios" / "paper" / "_base.yaml"
GOVERNED = "institutions: {monitoring: {enabled: true}, sanctions: {enabled: true}}"


def experiment(tmp_path: Path, grid: str, extra: str = "", governed: str = GOVERNED) -> Path:
    path = tmp_path / "x.yaml"
    path.write_text(
        f"schema_version: 1\nname: x\nscenario: {BASE}\nseeds: 1\n"
        f"overrides: {{rounds: 2, {governed}}}\n{extra}grid:\n{grid}",
        encoding="utf-8",
    )
    return path


WORDING = (
    "  wording:\n    plain: {}\n"
    "    stern: {norm: {text: Never take more than your share.}, "
    "personas: {neutral: {description: You obey., strategy: {effort: 0.3, monitor: 0.5, punish: 0.5, norm_weight: 1}}}}\n"
)
FINE = "  fine:\n    low: {institutions: {sanctions: {fine: 1}}}\n    high: {institutions: {sanctions: {fine: 6}}}\n"


def test_validate_warns_of_a_factor_rule_minds_cannot_read(tmp_path: Path) -> None:
    path = experiment(tmp_path, WORDING + FINE)
    done = society(["validate", str(path)])
    assert done.code == 0, done.output
    assert "ok:" in done.stdout
    text = " ".join(done.output.split())  # the console may wrap long lines
    assert text.count("warning:") == 1, done.output
    assert "factor 'wording'" in text and "norm.text" in text
    assert "personas.neutral.description" in text and "cannot change" in text


def test_no_warning_when_the_factor_reaches_rule_minds_or_the_minds_read_text(
    tmp_path: Path,
) -> None:
    assert rule_blind_warnings(load_experiment(experiment(tmp_path, FINE))) == []
    # An LLM group reads the text: the factor can matter.
    llm = GOVERNED + ", model: {name: 'openai:gpt-4o-mini'}"
    path = experiment(tmp_path, WORDING, governed=llm)
    assert rule_blind_warnings(load_experiment(path)) == []
    # Rule minds that pick whom to inspect from recalled memories can be swayed by wording
    # (the memory query carries the norm's text): the game does not call that blind.
    suspects = "institutions: {monitoring: {enabled: true, target_suspects: 0.5}}"
    wording = "  wording:\n    a: {}\n    b: {norm: {text: Be fair.}}\n"
    path = experiment(tmp_path, wording, governed=suspects)
    assert rule_blind_warnings(load_experiment(path)) == []
    path = experiment(tmp_path, wording, governed=suspects.replace("0.5", "0"))
    assert len(rule_blind_warnings(load_experiment(path))) == 1
    retries = "  llm:\n    few: {}\n    many: {llm: {retries: 5}}\n"
    warned = rule_blind_warnings(load_experiment(experiment(tmp_path, retries)))
    assert len(warned) == 1 and "factor 'llm'" in warned[0] and "(llm.retries)" in warned[0]


def test_the_experiment_command_warns_before_it_runs(tmp_path: Path) -> None:
    path = experiment(tmp_path, "  wording:\n    plain: {}\n    stern: {norm: {text: Be fair.}}\n")
    done = society(
        ["experiment", str(path), "--out", str(tmp_path / "out"), "--no-plots", "--quiet"]
    )
    assert done.code == 0, done.output
    assert (
        "warning: factor 'wording' varies only settings rule-based minds never read (norm.text)"
        in " ".join(done.stderr.split())
    )
