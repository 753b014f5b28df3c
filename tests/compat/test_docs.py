"""docs/airflow-compatibility.md lists every name the Airflow stand-ins offer."""

from __future__ import annotations

from pathlib import Path

from tradewind.compat.airflow.modules import RECIPES

DOC = Path(__file__).parents[2] / "docs" / "airflow-compatibility.md"


def test_compatibility_doc_lists_every_supported_name() -> None:
    text = DOC.read_text()
    names = {name for recipe in RECIPES.values() for name in [*recipe.names, *recipe.constants]}
    missing = sorted(name for name in names if f"`{name}`" not in text)
    assert not missing, f"document these in {DOC.name}: {missing}"


def test_compatibility_doc_mentions_every_supported_module_family() -> None:
    text = DOC.read_text()
    leaves = {module.rsplit(".", 1)[-1] for module in RECIPES if module != "airflow"}
    missing = sorted(leaf for leaf in leaves if leaf not in text)
    assert not missing, f"document these modules in {DOC.name}: {missing}"
