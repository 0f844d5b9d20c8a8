"""The house rules, checked on the source: arrows one way, no private imports, a small top of api/."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
ROOMS = ("api", "cooperation", "config", "bench")


def modules(*rooms: str) -> list[Path]:
    return sorted(path for room in rooms for path in (ROOT / room).rglob("*.py") if "migrations" not in path.parts)


def imports(path: Path) -> list[tuple[str, list[str]]]:
    """(module, names) for every import in the file, relative imports resolved to absolute names."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(alias.name, []) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:
                package = path.relative_to(ROOT).with_suffix("").parts[: -node.level]
                module = ".".join([*package, module] if module else package)
            found.append((module, [alias.name for alias in node.names]))
    return found


@pytest.mark.parametrize("path", modules("cooperation"), ids=lambda p: str(p.relative_to(ROOT)))
def test_the_domain_never_imports_the_api(path):
    offending = [module for module, _ in imports(path) if module == "api" or module.startswith("api.")]
    assert not offending, f"{path.relative_to(ROOT)} imports {offending}"


@pytest.mark.parametrize("path", modules(*ROOMS), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_module_imports_another_modules_private_name(path):
    private = [
        f"{module}.{name}"
        for module, names in imports(path)
        if module.split(".")[0] in ROOMS
        for name in names
        if name.startswith("_") and not name.startswith("__")
    ]
    assert not private, f"{path.relative_to(ROOT)} imports private names: {private}"


def test_the_top_of_api_holds_at_most_a_dozen_modules():
    top = sorted(path.name for path in (ROOT / "api").glob("*.py"))
    assert len(top) <= 12, top
