"""Migration 0004 (an index for paging a DAG's runs), both ways."""

from __future__ import annotations

from sqlalchemy import Engine, inspect

from tradewind.storage import migrate


def _dag_run_indexes(engine: Engine) -> set[str]:
    return {index["name"] for index in inspect(engine).get_indexes("dag_run") if index["name"]}


def test_0004_adds_the_run_listing_index_and_removes_it_on_downgrade(empty_engine: Engine) -> None:
    migrate.migrate(empty_engine, "0003")
    assert "ix_dag_run_dag_id_id" not in _dag_run_indexes(empty_engine)

    migrate.migrate(empty_engine)
    assert "ix_dag_run_dag_id_id" in _dag_run_indexes(empty_engine)
    assert migrate.check(empty_engine)

    migrate.downgrade(empty_engine, "0003")
    assert "ix_dag_run_dag_id_id" not in _dag_run_indexes(empty_engine)
