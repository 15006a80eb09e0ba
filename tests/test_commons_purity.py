"""The commons' dynamics (society.games.commons.dynamics) are pure: they take plain values and
import no graph or model library (LangGraph, LangChain, Chroma), nothing from the scenario
schema, and nothing from memory.

Two checks:
1. Static: no module under the dynamics imports a banned package (parsed with `ast`), and its
   only first-party imports are its own modules.
2. Dynamic: in a fresh interpreter, importing the dynamics does not load a banned package.

The dynamic check runs twice: once with the `__init__` of every parent package stubbed out (so
exactly the dynamics' modules execute), and once as a plain import, which works because the
game's and society's `__init__` import their heavy parts lazily.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

import society.games.commons.dynamics

COMMONS_DIR = Path(society.games.commons.dynamics.__file__).parent
BANNED = ("langgraph", "langchain", "langchain_core", "chromadb")
# Banned packages and the integration packages around them (langchain_openai etc.).
BANNED_PREFIXES = ("langgraph", "langchain", "chromadb")
# First-party modules the dynamics may not import (it takes plain values instead).
BANNED_FIRST_PARTY = ("society.scenario", "memory")


def _commons_files() -> list[Path]:
    files = sorted(COMMONS_DIR.rglob("*.py"))
    assert files, f"no modules found under {COMMONS_DIR}"
    return files


def _imported_modules(path: Path) -> list[str]:
    """Absolute names of every module imported anywhere in the file (also inside functions)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = "society.games.commons.dynamics"
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against society.games.commons.dynamics
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                names.append(f"{base}.{node.module}" if node.module else base)
            else:
                names.append(node.module or "")
    return names


def _is_banned(module: str) -> bool:
    top = module.split(".")[0]
    return top.startswith(BANNED_PREFIXES) or top == "memory" or module.startswith(BANNED_FIRST_PARTY)


@pytest.mark.parametrize("path", _commons_files(), ids=lambda p: p.name)
def test_commons_module_imports_nothing_banned(path):
    banned = [name for name in _imported_modules(path) if _is_banned(name)]
    assert not banned, f"{path.name} imports {banned}: society.games.commons.dynamics must stay pure"


def test_banned_name_detection_works():
    # Guard against a checker that silently passes everything.
    source = (
        "import langgraph.graph\nfrom langchain_core.messages import AIMessage\nimport chromadb"
    )
    tree = ast.parse(source)
    found = [
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    ]
    found += [node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
    assert all(_is_banned(name) for name in found)
    assert _is_banned("society.scenario.schema")
    assert _is_banned("memory.items")
    assert not _is_banned("society.games.commons.dynamics.params")
    assert not _is_banned("random")


def _first_party_direct_imports() -> set[str]:
    return {
        name
        for path in _commons_files()
        for name in _imported_modules(path)
        if name.split(".")[0] == "society" and not name.startswith("society.games.commons.dynamics")
    }


def test_commons_dynamics_import_no_other_first_party_module():
    assert _first_party_direct_imports() == set()


def _run_python(code: str) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


_LOADED = f"""
import json, sys
print(json.dumps({{
    "banned": sorted(m for m in sys.modules if m.split(".")[0].startswith({BANNED_PREFIXES!r})),
    "society": sorted(m for m in sys.modules if m == "society" or m.startswith("society.")),
}}))
"""


def test_fresh_import_of_commons_alone_loads_nothing_banned():
    # Stub the parent packages (society, society.scenario) with bare modules whose __path__ is
    # the real folder, so their __init__ files do not run: only society/commons/* and the
    # modules it imports directly (society.scenario.schema) execute. See the module docstring.
    parents = ["society", "society.games", "society.games.commons"]
    code = f"""
import importlib.util, sys, types
root = importlib.util.find_spec("society").submodule_search_locations[0]
for name in {parents!r}:
    module = types.ModuleType(name)
    module.__path__ = [root + name[len("society"):].replace(".", "/")]
    sys.modules[name] = module
import society.games.commons.dynamics
sys.modules["society.games.commons.dynamics"].resolve_effort(100.0, {{"a": 0.5}}, 0.1)
{_LOADED}"""
    loaded = _run_python(code)
    assert loaded["banned"] == []
    # Sanity: the stubs worked, so the check is about society.games.commons.dynamics and nothing else.
    assert "society.games.commons.dynamics" in loaded["society"]
    assert not any(m.startswith("society.scenario") for m in loaded["society"])
    assert "society.coordinator" not in loaded["society"]


def test_fresh_plain_import_of_society_commons_loads_nothing_banned():
    loaded = _run_python(f"import society.games.commons.dynamics\n{_LOADED}")
    assert loaded["banned"] == [], f"loaded via the society package root: {loaded['banned']}"
