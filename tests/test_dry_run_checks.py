"""`society run --dry-run` says, offline, what the real run will hit, and still estimates."""

from __future__ import annotations

import os
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest
from conftest import ROOT

from society.backends import resolve
from society.backends.providers import check_models
from society.scenario.schema import ModelSpec


def messages(spec: ModelSpec) -> list[tuple[str, str]]:
    return [(f.level, f.message) for f in check_models([spec])]


def test_a_missing_key_is_a_warning(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    assert messages(ModelSpec(name="openai:gpt-4o-mini")) == [
        ("warning", "OPENAI_API_KEY is not set")
    ]
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    assert messages(ModelSpec(name="openai:gpt-4o-mini")) == []


def test_a_named_key_variable_or_file_is_checked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.delenv("MY_KEY", raising=False)
    (found,) = messages(ModelSpec(name="openai:gpt-4o-mini", api_key_env="MY_KEY"))
    assert found[0] == "warning" and "MY_KEY" in found[1]
    (found,) = messages(
        ModelSpec(name="openai:gpt-4o-mini", api_key_file=str(tmp_path / "missing"))
    )
    assert found[0] == "warning" and "api_key_file" in found[1]


def test_a_local_openai_compatible_server_needs_no_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    spec = ModelSpec(name="openai:my-model", base_url="http://127.0.0.1:8000/v1")
    assert messages(spec) == []


def test_a_missing_provider_package_names_its_install_command(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test")
    assert "langchain_anthropic" not in sys.modules  # checked without importing anything
    ((level, message),) = messages(ModelSpec(name="anthropic:claude-sonnet-4-5"))
    assert level == "warning"
    assert message == (
        "langchain-anthropic is not installed "
        f"(install: pip install -e '{ROOT}[anthropic]')"
    )


@pytest.mark.parametrize("name", ["foo:bar", "openai:", "gpt-4o-mini", ":x"])
def test_a_malformed_or_unknown_model_name_is_an_error(name: str) -> None:
    ((level, message),) = messages(ModelSpec(name=name))
    assert level == "error" and repr(name) in message


def test_rules_need_no_check() -> None:
    assert check_models([ModelSpec(name="rules")]) == []


def test_install_hint_from_the_package_index(monkeypatch: pytest.MonkeyPatch) -> None:
    class Wheel:
        def read_text(self, name: str) -> str | None:
            return None  # an install from an index has no direct_url.json

    monkeypatch.setattr(metadata, "distribution", lambda name: Wheel())
    assert resolve.install_command("openai") == "pip install 'society[openai]'"


def test_install_hint_for_this_editable_checkout() -> None:
    assert resolve.install_command("openai") == f"pip install -e '{ROOT}[openai]'"


def dry_run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "society", "run", str(ROOT / "scenarios/demo.yaml")]
    return subprocess.run(
        [*command, "--rounds", "2", "--dry-run", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )


def test_dry_run_warns_and_still_estimates_with_exit_0() -> None:
    env = {k: v for k, v in os.environ.items() if k != "ANTHROPIC_API_KEY"}
    done = dry_run("--model", "anthropic:claude-sonnet-4-5", env=env)
    assert done.returncode == 0, done.stderr
    assert "ESTIMATE" in done.stdout
    assert (
        "warning: anthropic:claude-sonnet-4-5: the real run will fail: langchain-anthropic is "
        f"not installed (install: pip install -e '{ROOT}[anthropic]'); ANTHROPIC_API_KEY is "
        "not set"
    ) in done.stderr
    assert "2 warning(s)" in done.stderr and "exit status 0" in done.stderr


def test_dry_run_with_an_unknown_provider_exits_2_after_its_estimate() -> None:
    done = dry_run("--model", "foo:bar", env=dict(os.environ))
    assert done.returncode == 2
    assert "ESTIMATE" in done.stdout
    assert "error: foo:bar: the real run will fail: model 'foo:bar': unknown provider 'foo'" in (
        done.stderr
    )


def test_dry_run_with_everything_in_place_says_so() -> None:
    done = dry_run("--model", "openai:gpt-4o-mini", env={**os.environ, "OPENAI_API_KEY": "sk-x"})
    assert done.returncode == 0, done.stderr
    assert "Checked offline: every model's provider package is installed" in done.stdout
