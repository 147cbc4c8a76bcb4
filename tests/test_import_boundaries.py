"""The apps import each other in one direction only, and no modules import each other
in a circle (docs/architecture.md, "Apps and folders"):

    gis_platform  <  tenancy, workflow  <  layers  <  importers  <  reports
      <  observations, permits, jobs, facilities  <  dashboard, planner  <  demo

An app may import the apps to its left (and gis_platform's shared helpers); the
project package gis_platform imports no app except in urls.py and settings.py. Every
import counts — module level or inside a function — except those under
`if TYPE_CHECKING:`, which never run. A module importing its own parent package is
how Python packages work, not a circle.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LEVEL = {
    "gis_platform": 0,
    "tenancy": 1,
    "workflow": 1,
    "layers": 2,
    "importers": 3,
    "reports": 4,
    "observations": 5,
    "permits": 5,
    "jobs": 5,
    "facilities": 5,
    "dashboard": 6,
    "planner": 6,
    "demo": 7,
}
# Modules allowed to look upwards: the root URLconf and settings wire every app.
WIRING = {"gis_platform.urls", "gis_platform.settings"}
# Known exceptions, each with the work that removes it. The test fails when one of
# them is gone, so the list cannot go stale.
KNOWN_UPWARD = {
    # The header's staff links and a person's start page (issue 11, §1, in progress:
    # moves under tenancy/).
    ("gis_platform.navigation", "tenancy"),
}
KNOWN_CYCLES = {
    # sql.py asks stats.py for a bbox estimate inside a function (issue 11, §3, the
    # engine's refactoring in progress).
    frozenset({"layers.engine.sql", "layers.engine.stats"}),
}


def _modules() -> dict[str, Path]:
    found = {}
    for app in LEVEL:
        for path in (ROOT / app).rglob("*.py"):
            rel = path.relative_to(ROOT)
            if "migrations" in rel.parts:
                continue
            name = ".".join(rel.with_suffix("").parts)
            found[name.removesuffix(".__init__")] = path
    return found


MODULES = _modules()


def _runtime_nodes(tree: ast.AST) -> Iterator[ast.AST]:
    """Every node except the bodies of `if TYPE_CHECKING:` blocks."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.orelse:
                yield child
                yield from _runtime_nodes(child)
            continue
        yield node
        yield from _runtime_nodes(node)


def _resolve(name: str) -> str | None:
    """The project module `name` lands in (a `from m import f` names m.f)."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _imports(module: str) -> set[tuple[str, int]]:
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = set()
    for node in _runtime_nodes(ast.parse(path.read_text(encoding="utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            names = [f"{base}.{alias.name}" for alias in node.names]
        for name in names:
            target = _resolve(name)
            if target is None or target == module or module.startswith(target + "."):
                continue
            found.add((target, node.lineno))
    return found


GRAPH = {module: _imports(module) for module in MODULES}


def test_every_app_has_a_level() -> None:
    apps = {p.parent.name for p in ROOT.glob("*/apps.py")}
    assert apps <= set(LEVEL), f"give {apps - set(LEVEL)} a place in LEVEL"


def test_no_app_imports_upwards() -> None:
    wrong = set()
    for module, targets in GRAPH.items():
        app = module.split(".")[0]
        if module in WIRING:
            continue
        for target, line in targets:
            other = target.split(".")[0]
            if other == app or LEVEL[other] < LEVEL[app]:
                continue
            if (module, other) in KNOWN_UPWARD:
                continue
            wrong.add(f"{module}:{line} imports {target}")
    assert not wrong, "\n".join(sorted(wrong))


def test_known_upward_imports_still_exist() -> None:
    for module, other in KNOWN_UPWARD:
        assert any(t.split(".")[0] == other for t, _ in GRAPH[module]), (
            f"{module} no longer imports {other}: remove it from KNOWN_UPWARD"
        )


def _cycles() -> list[frozenset[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    edges = {m: {t for t, _ in targets} for m, targets in GRAPH.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[frozenset[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = set()
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.add(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(frozenset(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def test_no_import_cycles() -> None:
    cycles = [sorted(c) for c in _cycles() if c not in KNOWN_CYCLES]
    assert not cycles, cycles


@pytest.mark.parametrize("cycle", sorted(KNOWN_CYCLES, key=sorted))
def test_known_cycles_still_exist(cycle: frozenset[str]) -> None:
    assert cycle in _cycles(), f"{sorted(cycle)} is gone: remove it from KNOWN_CYCLES"


def test_the_rules_see_a_function_level_upward_import(tmp_path: Path) -> None:
    """The walker finds imports inside functions (the popups' old import of
    reports.models) and skips TYPE_CHECKING blocks."""
    source = (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from reports.models import Report\n"
        "def f():\n    from reports.models import Status\n"
    )
    nodes = list(_runtime_nodes(ast.parse(source)))
    imported = [n.module for n in nodes if isinstance(n, ast.ImportFrom) and n.module]
    assert imported == ["typing", "reports.models"]
    assert [n.lineno for n in nodes if isinstance(n, ast.ImportFrom)][-1] == 5
