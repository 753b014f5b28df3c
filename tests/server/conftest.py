"""A whole Tradewind in one process, for tests: the ``deployment`` fixtures.

``Deployment`` (in ``tests/server/deployment.py``, imported as ``tests.server.deployment``):
a migrated database (SQLite in ``tmp_path``; with ``sql_deployment`` also PostgreSQL, in a
fresh schema), a DAG folder the test writes files into, the DAG processor over it, and a
scheduler whose tasks run inline through ``server.in_process``. DAG files are parsed in this
process (``parse_here``): the parse worker's child process would cost each test 0.2 s.
Typical use::

    deployment.write_dag("etl.py", SOURCE)
    deployment.parse()
    deployment.unpause("etl")
    run_id = deployment.trigger("etl")
    assert deployment.run_until_finished("etl", run_id) == "success"

PostgreSQL runs where it is reachable (``TRADEWIND_TEST_POSTGRES_URL``, default
``postgresql+psycopg://postgres@127.0.0.1:5432/test``); unreachable, its tests fail under
``CI`` and are skipped otherwise.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from tests.server.deployment import Deployment, parse_here
from tests.server.postgres_schema import empty_tables, migrated_postgres_schema

from tradewind.storage.engine import create_engine_from_url, session_factory
from tradewind.storage.migrate import migrate

# -- backends -----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def server_postgres_engine() -> Iterator[Engine]:
    """A migrated PostgreSQL schema of its own for this test session."""
    with migrated_postgres_schema("tw_server") as engine:
        yield engine


def _sqlite_engine(tmp_path: Path) -> Engine:
    engine = create_engine_from_url(f"sqlite:///{tmp_path / 'tradewind.db'}")
    migrate(engine)
    return engine


@pytest.fixture
def _parse_in_this_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("tradewind.server.dag_processor.parse_dag_files", parse_here)


@pytest.fixture
def deployment(tmp_path: Path, _parse_in_this_process: None) -> Iterator[Deployment]:
    """A deployment on SQLite."""
    engine = _sqlite_engine(tmp_path)
    yield Deployment(engine, session_factory(engine), tmp_path)
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def sql_deployment(
    request: pytest.FixtureRequest, tmp_path: Path, _parse_in_this_process: None
) -> Iterator[Deployment]:
    """A deployment on SQLite, then on PostgreSQL."""
    if request.param == "sqlite":
        engine = _sqlite_engine(tmp_path)
        yield Deployment(engine, session_factory(engine), tmp_path)
        engine.dispose()
        return
    engine = request.getfixturevalue("server_postgres_engine")
    empty_tables(engine)
    yield Deployment(engine, session_factory(engine), tmp_path)
