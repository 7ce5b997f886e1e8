"""The house: subsystems layered as docs/design.md §6 says, no cycles, no import hidden in a function."""

from __future__ import annotations

import ast
import logging
from pathlib import Path

from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "mediation"


def test_the_import_contracts_hold():
    # pyproject.toml [tool.importlinter]: layers (imports point down, so no cycles between
    # subsystems) and the pure core (no database, clock or terminal in rules, lifecycle, deadlines).
    # lint_imports configures logging with dictConfig, which disables every logger that exists
    # (SQLAlchemy's included) for the rest of the session: tests that read SQL logging run later.
    enabled = [lg for lg in logging.root.manager.loggerDict.values()
               if isinstance(lg, logging.Logger) and not lg.disabled]
    try:
        assert lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True, no_logo=True) == 0
    finally:
        for lg in enabled:
            lg.disabled = False


def project_imports_in_functions(source: str) -> list[tuple[int, str]]:
    """(line, module) of every import of a ``mediation`` module inside a function body."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for inner in ast.walk(node):
            if isinstance(inner, ast.ImportFrom) and inner.level == 0 and (inner.module or "").split(".")[0] == "mediation":
                found.append((inner.lineno, inner.module))
            elif isinstance(inner, ast.ImportFrom) and inner.level > 0:
                found.append((inner.lineno, "." * inner.level + (inner.module or "")))
            elif isinstance(inner, ast.Import):
                found += [(inner.lineno, a.name) for a in inner.names if a.name.split(".")[0] == "mediation"]
    return found


def test_the_checker_finds_a_project_import_in_a_function():
    source = "import json\n\ndef f():\n    import os\n    from mediation.store import schema\n    return schema\n"
    assert project_imports_in_functions(source) == [(5, "mediation.store")]
    assert project_imports_in_functions("def g():\n    from . import x\n") == [(2, ".")]


def test_no_project_module_is_imported_inside_a_function():
    # Lazy imports are for heavy third-party libraries on start-up paths only (matplotlib,
    # rich, opencc); a project import inside a function would hide a cycle from the contracts.
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for line, module in project_imports_in_functions(path.read_text(encoding="utf-8")):
            offenders.append(f"{path.relative_to(ROOT)}:{line}: {module}")
    assert offenders == []


def test_no_module_directly_under_the_package_is_a_subsystem_in_disguise():
    flat = [p.name for p in PACKAGE.glob("*.py") if p.name.startswith(("replay_", "report_", "service_"))]
    assert flat == []
