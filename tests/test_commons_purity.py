"""society.commons is pure dynamics: no LangGraph, LangChain or Chroma.

Two checks:
1. Static: no module under society/commons imports a banned package (parsed with `ast`).
2. Dynamic: in a fresh interpreter, importing society.commons does not load a banned package.

The dynamic check runs twice: once with the `__init__` of every parent package of the
first-party modules society/commons imports stubbed out (so exactly society/commons/* and
society.scenario.schema execute), and once as a plain `import society.commons`, which works
because society/__init__.py imports its public names lazily.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

import society.commons

COMMONS_DIR = Path(society.commons.__file__).parent
BANNED = ("langgraph", "langchain", "langchain_core", "chromadb")
# Banned packages and the integration packages around them (langchain_openai etc.).
BANNED_PREFIXES = ("langgraph", "langchain", "chromadb")


def _commons_files() -> list[Path]:
    files = sorted(COMMONS_DIR.rglob("*.py"))
    assert files, f"no modules found under {COMMONS_DIR}"
    return files


def _imported_modules(path: Path) -> list[str]:
    """Absolute names of every module imported anywhere in the file (also inside functions)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = "society.commons"
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against society.commons
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                names.append(f"{base}.{node.module}" if node.module else base)
            else:
                names.append(node.module or "")
    return names


def _is_banned(module: str) -> bool:
    return module.split(".")[0].startswith(BANNED_PREFIXES)


@pytest.mark.parametrize("path", _commons_files(), ids=lambda p: p.name)
def test_commons_module_imports_nothing_banned(path):
    banned = [name for name in _imported_modules(path) if _is_banned(name)]
    assert not banned, f"{path.name} imports {banned}: society.commons must stay pure"


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
    assert not _is_banned("society.scenario.schema")
    assert not _is_banned("random")


def _first_party_direct_imports() -> set[str]:
    return {
        name
        for path in _commons_files()
        for name in _imported_modules(path)
        if name.split(".")[0] == "society" and not name.startswith("society.commons")
    }


def test_commons_direct_first_party_imports_are_the_schema_only():
    # If this grows, the stubbing in the isolated subprocess check below must cover it too.
    assert _first_party_direct_imports() == {"society.scenario.schema"}


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
    parents = sorted(
        {".".join(name.split(".")[:i]) for name in _first_party_direct_imports() for i in (1, 2)}
        - set(_first_party_direct_imports())
    )
    code = f"""
import importlib.util, sys, types
root = importlib.util.find_spec("society").submodule_search_locations[0]
for name in {parents!r}:
    module = types.ModuleType(name)
    module.__path__ = [root + name[len("society"):].replace(".", "/")]
    sys.modules[name] = module
import society.commons
society.commons.resolve_effort(100.0, {{"a": 0.5}}, 0.1)
{_LOADED}"""
    loaded = _run_python(code)
    assert loaded["banned"] == []
    # Sanity: the stubs worked, so the check is about society.commons and nothing else.
    assert "society.commons" in loaded["society"]
    assert "society.scenario.schema" in loaded["society"]
    assert "society.coordinator" not in loaded["society"]
    assert "society.scenario.loading" not in loaded["society"]


def test_fresh_plain_import_of_society_commons_loads_nothing_banned():
    loaded = _run_python(f"import society.commons\n{_LOADED}")
    assert loaded["banned"] == [], f"loaded via the society package root: {loaded['banned']}"
