"""Engines from URLs and settings; timestamps stored as UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import StatementError
from sqlalchemy.orm import Session
from storage_factories import make_run

from tradewind.config import load_settings
from tradewind.storage.engine import create_engine_from_url, engine_from_settings
from tradewind.storage.sql_store import SqlStore


def test_sqlite_uses_wal_a_busy_timeout_and_foreign_keys(tmp_path: Path) -> None:
    engine = create_engine_from_url(
        f"sqlite:///{tmp_path / 'sub' / 'tw.db'}", sqlite_busy_timeout=7
    )
    with engine.connect() as connection:
        pragmas = [
            connection.execute(text(f"PRAGMA {name}")).scalar()
            for name in ("journal_mode", "busy_timeout", "foreign_keys")
        ]
    engine.dispose()
    assert pragmas == ["wal", 7000, 1]
    assert (tmp_path / "sub" / "tw.db").is_file()


def test_an_in_memory_sqlite_database_is_one_database(tmp_path: Path) -> None:
    engine = create_engine_from_url("sqlite://")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (x INTEGER)"))
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM t")).scalar() == 0
    engine.dispose()


def test_a_plain_postgresql_url_uses_psycopg() -> None:
    engine = create_engine_from_url("postgresql://u@localhost/db", pool_size=3)
    assert engine.url.drivername == "postgresql+psycopg"
    assert engine.pool.size() == 3  # type: ignore[attr-defined]
    engine.dispose()


def test_the_default_database_is_a_file_in_the_home_folder(tmp_path: Path) -> None:
    settings = load_settings({"TRADEWIND_HOME": str(tmp_path)})
    assert settings.database_url == f"sqlite:///{tmp_path / 'tradewind.db'}"
    engine = engine_from_settings(settings)
    assert engine.url.database == str(tmp_path / "tradewind.db")
    engine.dispose()


def test_the_database_url_comes_from_the_environment(tmp_path: Path) -> None:
    env = {
        "TRADEWIND_HOME": str(tmp_path),
        "TRADEWIND_DATABASE_URL": "postgresql+psycopg://u@db/tw",
        "TRADEWIND__DATABASE__POOL_SIZE": "9",
    }
    settings = load_settings(env)
    assert settings.database_url == "postgresql+psycopg://u@db/tw"
    assert settings.database.pool_size == 9


def test_the_database_url_can_be_set_in_the_config_file(tmp_path: Path) -> None:
    (tmp_path / "tradewind.toml").write_text('[database]\nurl = "sqlite:////data/tw.db"\n')
    assert load_settings({"TRADEWIND_HOME": str(tmp_path)}).database_url == "sqlite:////data/tw.db"


def test_times_come_back_in_utc(session: Session) -> None:
    store = SqlStore(session)
    plus_two = datetime(2024, 1, 1, 8, 0, tzinfo=timezone(timedelta(hours=2)))
    store.add_dag_run(make_run(run_after=plus_two))
    session.commit()
    fresh = SqlStore(session).get_dag_run("etl", "r1")
    assert fresh is not None
    assert fresh.run_after == datetime(2024, 1, 1, 6, 0, tzinfo=UTC)
    assert fresh.run_after.utcoffset() == timedelta(0)


def test_naive_times_are_refused(session: Session) -> None:
    with pytest.raises(StatementError, match="Naive datetime"):
        SqlStore(session).add_dag_run(make_run(run_after=datetime(2024, 1, 1)))
