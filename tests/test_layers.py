"""The layers of society, measured from the source: every import of every module under
`society/` and `memory/` (at the top, inside functions and under TYPE_CHECKING alike: a lazy
import is still a dependency), mapped to its package.

Rules: no cycle between packages; backends build no minds and know no runner; analysis reads
events, never the runner or the reply parser; the core packages import no game. Exceptions
are listed with a reason each, and a listed exception that no longer occurs fails the test,
so the list can only shrink.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TOP = ("society", "memory")

# Packages that must not import a game (society.games.*).
CORE = (
    "society.core",
    "society.agents",
    "society.backends",
    "society.coordinator",
    "society.transcript",
    "society.checkpoint",
    "society.analysis",
    "society.experiments",
    "society.report",
    "society.scenario",
    "memory",
)
# Modules of the core allowed to name a game's types: none (the commons' scenario lives in its
# package, `society.games.commons.scenario`).
COMMONS_SECTIONS: tuple[str, ...] = ()
# (importing module, imported module) -> why it is still allowed. Only ever remove lines.
# Empty today: no core package imports a game (the registry finds games by name).
GAME_IMPORT_EXCEPTIONS: dict[tuple[str, str], str] = {}
# Outside the core and the games, the modules that name a game, each with its reason: the
# top of the stack may, but each one is a choice to review.
TOP_GAME_IMPORTS: dict[tuple[str, str], str] = {
    ("society", "society.games.commons.metrics"): "the facade re-exports the default game's "
    "RunMetrics/compute_metrics (lazily) for `from society import ...`",
    ("society.cli.analysis", "society.games.commons.findings"): "`society findings` is the "
    "commons' alias for its experiment file and effect table",
}
# Module prefixes a package must not import: (package, forbidden prefix) -> why.
FORBIDDEN: dict[str, tuple[str, ...]] = {
    # A backend wraps a chat model; minds are built above it, by the run layer.
    "society.backends": (
        "society.agents.llm",
        "society.agents.rule_mind",
        "society.coordinator",
    ),
    # Analysis reads what the events say; it neither runs societies nor re-parses replies.
    "society.analysis": ("society.coordinator", "society.agents.parsing"),
}


def modules() -> dict[str, Path]:
    found = {}
    for top in TOP:
        for path in sorted((ROOT / top).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


MODULES = modules()


def package_of(module: str) -> str:
    """The layer a module belongs to: a subpackage of society (society.games.<game> for a
    game), a top-level module of society on its own, or memory."""
    parts = module.split(".")
    if parts[0] == "memory":
        return "memory"
    if len(parts) >= 3 and parts[1] == "games":
        return ".".join(parts[:3])
    return ".".join(parts[:2])


def _resolve(name: str) -> str | None:
    """The longest known module that `name` names (or lies in)."""
    parts = name.split(".")
    while parts:
        candidate = ".".join(parts)
        if candidate in MODULES:
            return candidate
        parts.pop()
    return None


def imports_of(module: str) -> set[str]:
    path = MODULES[module]
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    is_package = path.name == "__init__.py"
    found: set[str] = set()
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = module.split(".")
                anchor = anchor if is_package else anchor[:-1]
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, *([base] if base else [])])
            # `from pkg import module` names the module; `from module import name` the module.
            names = [
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base
                for alias in node.names
            ]
        for name in names:
            if name.split(".")[0] in TOP:
                target = _resolve(name)
                if target is not None and target != module:
                    found.add(target)
    return found


def module_graph() -> dict[str, set[str]]:
    return {module: imports_of(module) for module in MODULES}


def package_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = defaultdict(set)
    for module, targets in module_graph().items():
        source = package_of(module)
        graph.setdefault(source, set())  # every package is a node
        for target in targets:
            if package_of(target) != source:
                graph[source].add(package_of(target))
    return dict(graph)


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one package (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def _edges_within(component: list[str]) -> list[str]:
    members = set(component)
    return sorted(
        f"{module} -> {target}"
        for module, targets in module_graph().items()
        for target in targets
        if package_of(module) in members
        and package_of(target) in members
        and package_of(target) != package_of(module)
    )


def test_the_measurement_sees_lazy_and_type_checking_imports() -> None:
    # Both are imported only inside functions or under TYPE_CHECKING today.
    assert "society.core.registry" in imports_of("society.scenario.base")
    assert "society.games.commons.metrics" in imports_of("society")
    assert package_of("society.games.commons.dynamics.growth") == "society.games.commons"
    assert package_of("memory.embedders.hashing") == "memory"
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_cycle_between_packages() -> None:
    found = cycles(package_graph())
    assert not found, "\n".join(
        f"cycle {' <-> '.join(c)}:\n  " + "\n  ".join(_edges_within(c)) for c in found
    )


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_forbidden_imports(package: str) -> None:
    bad = sorted(
        f"{module} -> {target}"
        for module, targets in module_graph().items()
        if package_of(module) == package
        for target in targets
        if any(target == p or target.startswith(p + ".") for p in FORBIDDEN[package])
    )
    assert not bad


def _core_imports_of_games() -> set[tuple[str, str]]:
    return {
        (module, target)
        for module, targets in module_graph().items()
        if package_of(module) in CORE and module not in COMMONS_SECTIONS
        for target in targets
        if target.startswith("society.games.")
    }


def test_core_packages_import_no_game() -> None:
    unlisted = sorted(_core_imports_of_games() - set(GAME_IMPORT_EXCEPTIONS))
    assert not unlisted, "\n".join(f"{m} -> {t}" for m, t in unlisted)


def test_listed_game_imports_still_exist() -> None:
    """A fixed exception leaves the list (so it can only shrink)."""
    stale = sorted(set(GAME_IMPORT_EXCEPTIONS) - _core_imports_of_games())
    assert not stale


def test_commons_sections_are_modules() -> None:
    assert set(COMMONS_SECTIONS) <= set(MODULES)


def _is_institution(module: str) -> bool:
    return module.startswith("society.institutions.")


def test_the_top_imports_games_only_where_listed() -> None:
    found = {
        (module, target)
        for module, targets in module_graph().items()
        if package_of(module) not in CORE
        and not package_of(module).startswith("society.games.")
        and not _is_institution(module)
        for target in targets
        if target.startswith("society.games.")
    }
    assert found == set(TOP_GAME_IMPORTS)


def test_institutions_import_only_the_games_they_join() -> None:
    """An institution module works inside the games it names (`Institution.games`) and may use
    their state and rules; any other game is out of its reach."""
    from society.core.registry import INSTITUTIONS

    for module, targets in module_graph().items():
        if not _is_institution(module):
            continue
        joins = INSTITUTIONS.get(module.rsplit(".", 1)[1]).games
        for target in targets:
            if target.startswith("society.games."):
                assert target.split(".")[2] in joins, f"{module} -> {target}"


def test_every_module_imports() -> None:
    """Lazily imported modules are imported by nothing at start-up: a broken import in one
    (a name that moved) shows only when its command runs, so import them all here."""
    import importlib

    failed = {}
    for module in MODULES:
        try:
            importlib.import_module(module)
        except Exception as error:  # every failure is reported
            failed[module] = repr(error)
    assert not failed
