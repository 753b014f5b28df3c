"""Migration 0003 (assets, backfills) on a database already at 0002, both ways."""

from __future__ import annotations

from sqlalchemy import Engine, inspect, text

from tradewind.storage import migrate

NEW_TABLES = {"asset", "asset_reference", "backfill", "backfill_dag_run"}


def test_a_database_at_0002_upgrades_keeping_its_dags_and_is_current(empty_engine: Engine) -> None:
    migrate.migrate(empty_engine, "0002")
    with empty_engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO dag (dag_id, is_paused, is_active, fileloc, tags, owners, "
                "max_active_runs, max_active_tasks, max_consecutive_failed_dag_runs) "
                "VALUES ('etl', false, true, '/dags/etl.py', '[]', '', 16, 16, 0)"
            )
        )
    assert not migrate.check(empty_engine)
    migrate.migrate(empty_engine)
    assert migrate.check(empty_engine)
    assert set(inspect(empty_engine).get_table_names()) >= NEW_TABLES
    with empty_engine.connect() as connection:
        assert connection.execute(text("SELECT dag_id FROM dag")).scalars().all() == ["etl"]


def test_downgrading_0003_drops_only_its_tables(empty_engine: Engine) -> None:
    migrate.migrate(empty_engine)
    migrate.downgrade(empty_engine, "0002")
    tables = set(inspect(empty_engine).get_table_names())
    assert not NEW_TABLES & tables
    assert {"dag", "api_user"} <= tables
    assert migrate.current_revision(empty_engine) == "0002"
