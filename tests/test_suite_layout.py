"""The suite's own shape: test modules import helpers from ``tests/support/``, never each other.

Importing a test module from another one runs its module-level code twice under two names,
registers its fixtures where they were not declared and, with ``pytest-xdist``, ties the two
modules' fates together; importing from a ``conftest.py`` does the same with a module pytest
loads itself.
"""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent
SUPPORT = TESTS / "support"


def _python_files() -> list[Path]:
    return sorted(p for p in TESTS.rglob("*.py") if "fixtures" not in p.relative_to(TESTS).parts)


def _imported_test_modules(path: Path) -> list[str]:
    """The ``tests.*`` modules this file imports that are not in ``tests.support``."""
    package = ".".join(("tests", *path.parent.relative_to(TESTS).parts))
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                names = [f"{base}.{node.module}" if node.module else base]
            else:
                names = [node.module or ""]
        found += [
            name
            for name in names
            if (name == "tests" or name.startswith("tests."))
            and name != "tests.support"
            and not name.startswith("tests.support.")
        ]
    return found


def test_no_module_imports_a_test_module_or_a_conftest() -> None:
    offenders = {
        str(path.relative_to(TESTS)): imported
        for path in _python_files()
        if (imported := _imported_test_modules(path))
    }
    assert offenders == {}


def test_helpers_that_are_not_tests_live_in_support() -> None:
    strays = [
        str(path.relative_to(TESTS))
        for path in _python_files()
        if not path.is_relative_to(SUPPORT)
        and not path.name.startswith("test_")
        and path.name not in {"conftest.py", "__init__.py"}
    ]
    assert strays == []
