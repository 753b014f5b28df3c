"""``DagSpec.to_dict`` gives what ``dataclasses.asdict`` gives, for every example DAG."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from tradewind.contracts.dagspec import DagSpec
from tradewind.runtime.loader import load_dag_file
from tradewind.sdk.serialization import serialize_dag

ROOT = Path(__file__).resolve().parents[2]
FILES = sorted((ROOT / "examples").glob("*.py")) + sorted((ROOT / "tests/compat/dags").glob("*.py"))


@pytest.mark.parametrize("path", FILES, ids=lambda path: path.name)
def test_to_dict_matches_asdict_and_round_trips(path: Path) -> None:
    loaded = load_dag_file(str(path), timeout=30, root=str(path.parent))
    for dag in loaded.dags.values():
        spec = serialize_dag(dag)

        assert spec.to_dict() == dataclasses.asdict(spec)
        assert DagSpec.from_json(spec.to_json()).to_json() == spec.to_json()
