"""The serving engine knows sources, not the apps behind them: no module under
layers/engine or layers/ogc imports the Layer model, importers or reports (each app
registers its own source provider instead; see layers/sources.py)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ENGINE_PACKAGES = ("layers/engine", "layers/ogc")
FORBIDDEN = ("layers.models", "layers.sources", "importers", "reports")


def _imports(path: Path) -> list[tuple[int, str]]:
    """Every module an import statement names, at any depth (functions,
    TYPE_CHECKING blocks), with `from x import y` also as `x.y`."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                # A relative import stays inside its own package.
                continue
            module = node.module or ""
            found.append((node.lineno, module))
            found.extend((node.lineno, f"{module}.{a.name}") for a in node.names)
    return found


def _forbidden(module: str) -> bool:
    return any(module == f or module.startswith(f + ".") for f in FORBIDDEN)


ENGINE_FILES = sorted(
    path for package in ENGINE_PACKAGES for path in (ROOT / package).rglob("*.py")
)


def test_the_engine_has_modules_to_check():
    names = {p.relative_to(ROOT).as_posix() for p in ENGINE_FILES}
    assert {"layers/engine/registry.py", "layers/ogc/views.py"} <= names


@pytest.mark.parametrize(
    "path", ENGINE_FILES, ids=lambda p: p.relative_to(ROOT).as_posix()
)
def test_engine_module_imports_no_app_model(path):
    bad = [(line, module) for line, module in _imports(path) if _forbidden(module)]
    assert bad == [], f"{path.relative_to(ROOT)} imports {bad}"


def test_the_check_sees_imports_inside_functions(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from layers import models\n"
        "def f():\n    from reports.sources import KEY\n"
        "if True:\n    import importers.exports\n"
    )
    modules = [m for _line, m in _imports(sample) if _forbidden(m)]
    assert modules == [
        "layers.models",
        "reports.sources",
        "reports.sources.KEY",
        "importers.exports",
    ]
