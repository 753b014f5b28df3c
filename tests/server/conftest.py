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

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, delete, insert, make_url, text
from sqlalchemy.exc import OperationalError
from tests.server.deployment import Deployment, parse_here

from tradewind.storage.engine import create_engine_from_url, session_factory
from tradewind.storage.migrate import migrate
from tradewind.storage.rows import DEFAULT_POOL, Base, PoolRow

POSTGRES_URL_ENV = "TRADEWIND_TEST_POSTGRES_URL"
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"

# -- backends -----------------------------------------------------------------------------------


def _postgres_url() -> str:
    return os.environ.get(POSTGRES_URL_ENV, DEFAULT_POSTGRES_URL)


@pytest.fixture(scope="session")
def server_postgres_engine() -> Iterator[Engine]:
    """A migrated PostgreSQL schema of its own for this test session."""
    url = make_url(_postgres_url()).update_query_dict({"connect_timeout": "5"})
    server = create_engine_from_url(url, pool_size=1)
    try:
        with server.connect() as connection:
            connection.execute(text("SELECT 1"))
    except OperationalError as error:
        server.dispose()
        message = f"PostgreSQL at {url.render_as_string()} is unreachable: {error.orig}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    schema = f"tw_server_{uuid.uuid4().hex[:12]}"
    with server.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = create_engine_from_url(
        server.url.update_query_dict({"options": f"-csearch_path={schema}"}), pool_size=3
    )
    migrate(engine)
    yield engine
    engine.dispose()
    with server.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    server.dispose()


def _empty(engine: Engine) -> None:
    with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(delete(table))
        connection.execute(insert(PoolRow).values(name=DEFAULT_POOL, slots=128))


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
    _empty(engine)
    yield Deployment(engine, session_factory(engine), tmp_path)
