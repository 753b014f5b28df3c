"""Migrations: from empty to current, checked against the rows, reset; SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect, select

import tradewind
from tradewind.storage import migrate
from tradewind.storage.engine import session_factory
from tradewind.storage.repos import variables
from tradewind.storage.rows import Base, PoolRow


def test_an_empty_database_is_not_up_to_date(empty_engine: Engine) -> None:
    assert migrate.current_revision(empty_engine) is None
    assert not migrate.check(empty_engine)


def test_migrating_an_empty_database_makes_it_up_to_date(empty_engine: Engine) -> None:
    migrate.migrate(empty_engine)
    assert migrate.check(empty_engine)
    assert migrate.current_revision(empty_engine) == migrate.head_revision()
    tables = set(inspect(empty_engine).get_table_names())
    assert set(Base.metadata.tables) <= tables


def test_the_migrated_schema_matches_the_rows(empty_engine: Engine) -> None:
    migrate.migrate(empty_engine)
    with empty_engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_the_first_migration_creates_the_default_pool(empty_engine: Engine) -> None:
    migrate.migrate(empty_engine)
    with empty_engine.connect() as connection:
        rows = connection.execute(select(PoolRow.name, PoolRow.slots)).all()
    assert [tuple(row) for row in rows] == [("default_pool", 128)]


def test_migrating_again_changes_nothing(empty_engine: Engine) -> None:
    migrate.migrate(empty_engine)
    migrate.migrate(empty_engine)
    assert migrate.check(empty_engine)


def test_reset_deletes_the_data_and_migrates_again(empty_engine: Engine) -> None:
    migrate.migrate(empty_engine)
    with session_factory(empty_engine).begin() as session:
        variables.upsert_variable(session=session, key="k", value="v")
    migrate.reset(empty_engine)
    assert migrate.check(empty_engine)
    with session_factory(empty_engine)() as session:
        assert variables.list_variables(session=session) == []


def test_a_downgrade_to_nothing_drops_every_table(empty_engine: Engine) -> None:
    migrate.migrate(empty_engine)
    migrate.downgrade(empty_engine, "base")
    assert not set(Base.metadata.tables) & set(inspect(empty_engine).get_table_names())


@pytest.mark.parametrize("sql_kind", ["sqlite"])
def test_migrations_run_from_any_directory(
    empty_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    migrate.migrate(empty_engine)
    assert migrate.check(empty_engine)


def test_migrations_live_inside_the_package() -> None:
    package = Path(tradewind.__file__).parent
    assert migrate.MIGRATIONS_DIR.is_relative_to(package)
    assert (migrate.MIGRATIONS_DIR / "env.py").is_file()
    assert list((migrate.MIGRATIONS_DIR / "versions").glob("*.py"))
