"""The suite shares code through its kit, ``tests/support/``: no test module or conftest imports another
test module or a conftest (pytest gives conftests' fixtures to tests; their code is not for import).
"""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent
KIT = "tests.support"
RUNNER = "tests.schemathesis"  # the Schemathesis runner: tooling its own tests exercise, not tests


def imported_modules(source: str) -> list[str]:
    """Every module the source imports, dotted; relative imports keep their leading dots."""
    modules = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = "." * node.level + (node.module or "")
            if node.level == 0 and base == "tests":
                modules += [f"tests.{alias.name}" for alias in node.names]  # from tests import api
            else:
                modules.append(base)
    return modules


def offences(source: str) -> list[str]:
    """The imports that break the rule, each with the reason."""
    found = []
    for module in imported_modules(source):
        last = module.rsplit(".", 1)[-1]
        if module.startswith("."):
            found.append(f"{module}: a relative import (import the kit as {KIT}.<module>)")
        elif last == "conftest":
            found.append(f"{module}: a conftest")
        elif last.startswith("test_"):
            found.append(f"{module}: a test module")
        elif module.startswith("tests.") and not module.startswith((KIT, RUNNER)):
            found.append(f"{module}: outside the kit")
    return found


def checked_files() -> list[Path]:
    """Every test module and conftest under tests/, and the kit's own modules."""
    return sorted({*TESTS.rglob("test_*.py"), *TESTS.rglob("conftest.py"), *(TESTS / "support").rglob("*.py")})


def test_the_rule_catches_each_kind_of_offence():
    source = "\n".join(
        [
            "from tests.api.conftest import SCHEMA_PATH",
            "from tests.api.test_errors import assert_error",
            "import tests.cooperation.factories",
            "from . import helpers",
            "from .conftest import CURATOR",
            "from tests import api",
            "import conftest",
            "from tests.support.roles import make_role_user",
            "from tests import support",
            "from tests.support import records",
            "from api.resources import RESOURCES",
        ]
    )
    assert [offence.split(":")[0] for offence in offences(source)] == [
        "tests.api.conftest",
        "tests.api.test_errors",
        "tests.cooperation.factories",
        ".",
        ".conftest",
        "tests.api",
        "conftest",
    ]


def test_no_test_module_or_conftest_imports_another():
    assert len(checked_files()) > 40, "the walk found the suite"
    broken = [
        f"{path.relative_to(TESTS.parent)}: {offence}"
        for path in checked_files()
        for offence in offences(path.read_text(encoding="utf-8"))
    ]
    assert broken == [], "\n".join(broken)


def test_the_kit_is_not_collected():
    kit = TESTS / "support"
    assert (kit / "__init__.py").exists()
    assert sorted(p.name for p in kit.rglob("test_*.py")) == []
    assert sorted(p.name for p in kit.rglob("conftest.py")) == []
