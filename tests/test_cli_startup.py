"""`society --help` and `society validate` start at once: they import no LangChain, LangGraph,
Chroma or analysis library (each costs hundreds of milliseconds before anything is printed).
Timings are in bench/startup.py; these tests only check what gets imported."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from conftest import ROOT

HEAVY = {
    "langchain",
    "langchain_core",
    "langchain_openai",
    "langgraph",
    "langsmith",
    "chromadb",
    "pandas",
    "scipy",
    "matplotlib",
    "pyarrow",
    "onnxruntime",
    "tiktoken",
    "tokenizers",
    "openai",
    "httpx",
}


def loaded_after(code: str) -> set[str]:
    """Top-level packages in sys.modules after running `code` in a fresh interpreter."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, cwd=ROOT
    )
    assert done.returncode == 0, done.stderr
    last = done.stdout.strip().splitlines()[-1]
    return {name.split(".")[0] for name in json.loads(last)}


def test_importing_the_cli_loads_nothing_heavy() -> None:
    loaded = loaded_after("import society.cli")
    assert "society" in loaded  # the probe did import it
    # numpy too: nothing `--help` needs uses it.
    assert not loaded & (HEAVY | {"numpy"}), sorted(loaded & (HEAVY | {"numpy"}))


def test_help_loads_nothing_heavy() -> None:
    code = (
        "import sys\nfrom typer.main import get_command\nfrom society.cli import app\n"
        "try:\n    get_command(app).main(['--help'], standalone_mode=False)\n"
        "except SystemExit:\n    pass\n"
    )
    loaded = loaded_after(code)
    assert not loaded & (HEAVY | {"numpy"}), sorted(loaded & (HEAVY | {"numpy"}))


@pytest.mark.parametrize("command", ["validate", "run", "resume", "inspect", "experiment"])
def test_a_command_help_loads_nothing_heavy(command: str) -> None:
    code = (
        "from typer.main import get_command\nfrom society.cli import app\n"
        f"try:\n    get_command(app).main(['{command}', '--help'], standalone_mode=False)\n"
        "except SystemExit:\n    pass\n"
    )
    loaded = loaded_after(code)
    assert not loaded & HEAVY, sorted(loaded & HEAVY)


def test_validate_loads_nothing_heavy() -> None:
    # The validate command itself, on a shipped scenario (what `society validate FILE` runs).
    code = (
        "from typer.main import get_command\nfrom society.cli import app\n"
        f"get_command(app).main(['validate', {str(ROOT / 'scenarios/demo.yaml')!r}], "
        "standalone_mode=False)\n"
    )
    loaded = loaded_after(code)
    # Not numpy either: the scenario's memory section names an embedder and weights, and the
    # memory package loads what computes with them only when a store is opened.
    assert "yaml" in loaded and "pydantic" in loaded  # it did load and check the file
    assert not loaded & (HEAVY | {"numpy"}), sorted(loaded & (HEAVY | {"numpy"}))


def test_the_heavy_list_catches_a_heavy_import() -> None:
    # The probe is not blind: importing the runner does load LangGraph.
    assert "langgraph" in loaded_after("import society.coordinator.runner")
