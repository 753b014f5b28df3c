"""compat builds on the authoring layers only, and they never import compat."""

from __future__ import annotations

import ast
from pathlib import Path

import tradewind

PACKAGE = Path(tradewind.__file__).parent
ALLOWED_FOR_COMPAT = {
    "compat",
    "config",
    "contracts",
    "errors",
    "exceptions",
    "operators",
    "sdk",
    "sensors",
    "timetables",
}


def _imported_tradewind_parts(path: Path) -> set[str]:
    """The top-level ``tradewind.<part>`` names a module imports (dotted targets included)."""
    parts: set[str] = set()
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            names = [node.value.split(":")[0]] if node.value.startswith("tradewind.") else []
        for name in names:
            pieces = name.split(".")
            if pieces[0] == "tradewind" and len(pieces) > 1:
                parts.add(pieces[1])
    return parts


def test_compat_imports_only_the_authoring_layers() -> None:
    for path in (PACKAGE / "compat").rglob("*.py"):
        extra = _imported_tradewind_parts(path) - ALLOWED_FOR_COMPAT
        assert not extra, f"{path.relative_to(PACKAGE)} imports tradewind.{extra}"


def test_authoring_layers_never_import_compat() -> None:
    for layer in ("sdk", "operators", "sensors"):
        for path in (PACKAGE / layer).rglob("*.py"):
            assert "compat" not in _imported_tradewind_parts(path), path
