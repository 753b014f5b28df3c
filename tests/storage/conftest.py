"""Storage fixtures: one contract, every backend.

``store_backend`` is a ``RunStore`` on memory, SQLite (a temporary file) and PostgreSQL;
``sql_backend`` / ``session`` cover the two SQL backends only. PostgreSQL tests use a fresh
schema in the ``test`` database per test session (set ``TRADEWIND_TEST_POSTGRES_URL`` to use
another server); when it is unreachable they fail under ``CI`` and are skipped otherwise.
Every SQL test starts from empty, migrated tables.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, delete, insert, make_url, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from storage_factories import SqlBackend

from tradewind.storage.base import RunStore
from tradewind.storage.engine import create_engine_from_url, session_factory
from tradewind.storage.memory import MemoryStore
from tradewind.storage.migrate import migrate
from tradewind.storage.rows import DEFAULT_POOL, Base, PoolRow
from tradewind.storage.sql_store import SqlStore

POSTGRES_URL_ENV = "TRADEWIND_TEST_POSTGRES_URL"
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "postgres: needs the PostgreSQL server (runs for real in CI, where CI is set)"
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run every test that uses a backend once per backend, unless it names its own.

    Done here rather than in ``@pytest.fixture(params=…)`` so the ``postgres`` marker is
    looked up after ``pytest_configure`` registered it.
    """
    sql = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
    own = {
        name.strip()
        for mark in metafunc.definition.iter_markers("parametrize")
        for name in (mark.args[0].split(",") if isinstance(mark.args[0], str) else mark.args[0])
    }
    for name, kinds in (("store_kind", ["memory", *sql]), ("sql_kind", sql)):
        if name in metafunc.fixturenames and name not in own:
            metafunc.parametrize(name, kinds)


def _postgres_url() -> str:
    return os.environ.get(POSTGRES_URL_ENV, DEFAULT_POSTGRES_URL)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[Engine]:
    """An engine on the PostgreSQL test database; fails under CI when unreachable."""
    url = make_url(_postgres_url()).update_query_dict({"connect_timeout": "5"})
    engine = create_engine_from_url(url, pool_size=1)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except OperationalError as error:
        engine.dispose()
        message = f"PostgreSQL at {url.render_as_string()} is unreachable: {error.orig}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    yield engine
    engine.dispose()


def new_postgres_schema_engine(server: Engine) -> tuple[Engine, str]:
    """An engine whose connections use a new, empty schema of the test database."""
    schema = f"tw_test_{uuid.uuid4().hex[:12]}"
    with server.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = server.url.update_query_dict({"options": f"-csearch_path={schema}"})
    return create_engine_from_url(url, pool_size=3, max_overflow=2), schema


def drop_postgres_schema(server: Engine, engine: Engine, schema: str) -> None:
    engine.dispose()
    with server.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


@pytest.fixture(scope="session")
def postgres_engine(postgres_server: Engine) -> Iterator[Engine]:
    engine, schema = new_postgres_schema_engine(postgres_server)
    migrate(engine)
    yield engine
    drop_postgres_schema(postgres_server, engine, schema)


@pytest.fixture(scope="session")
def sqlite_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    path: Path = tmp_path_factory.mktemp("sqlite") / "tradewind.db"
    engine = create_engine_from_url(f"sqlite:///{path}")
    migrate(engine)
    yield engine
    engine.dispose()


def _empty_tables(engine: Engine) -> None:
    """Remove every row, then put back what the migrations seed (the default pool)."""
    with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(delete(table))
        connection.execute(insert(PoolRow).values(name=DEFAULT_POOL, slots=128))


@pytest.fixture
def sql_backend(request: pytest.FixtureRequest, sql_kind: str) -> SqlBackend:
    """A migrated database with empty tables, on SQLite and on PostgreSQL."""
    engine: Engine = request.getfixturevalue(f"{sql_kind}_engine")
    _empty_tables(engine)
    return SqlBackend(sql_kind, engine, session_factory(engine))


@pytest.fixture
def postgres_backend(postgres_engine: Engine) -> SqlBackend:
    """The migrated PostgreSQL database with empty tables (for PostgreSQL-only tests)."""
    _empty_tables(postgres_engine)
    return SqlBackend("postgres", postgres_engine, session_factory(postgres_engine))


@pytest.fixture
def session(sql_backend: SqlBackend) -> Iterator[Session]:
    with sql_backend.sessions() as session:
        yield session


@pytest.fixture
def sql_backend_sessions(sql_backend: SqlBackend) -> Iterator[tuple[Session, Session]]:
    """Two sessions (two connections) on one SQL backend."""
    with sql_backend.sessions() as first, sql_backend.sessions() as second:
        yield first, second


@pytest.fixture
def store_backend(request: pytest.FixtureRequest, store_kind: str) -> Iterator[RunStore]:
    """A ``RunStore``: in memory, and on SQLite and PostgreSQL in one open transaction."""
    if store_kind == "memory":
        yield MemoryStore()
        return
    engine: Engine = request.getfixturevalue(f"{store_kind}_engine")
    _empty_tables(engine)
    with session_factory(engine)() as session:
        yield SqlStore(session)


@pytest.fixture
def empty_engine(request: pytest.FixtureRequest, sql_kind: str, tmp_path: Path) -> Iterator[Engine]:
    """An engine on a database with no tables at all (for migration tests)."""
    if sql_kind == "sqlite":
        engine = create_engine_from_url(f"sqlite:///{tmp_path / 'empty.db'}")
        yield engine
        engine.dispose()
        return
    server: Engine = request.getfixturevalue("postgres_server")
    engine, schema = new_postgres_schema_engine(server)
    yield engine
    drop_postgres_schema(server, engine, schema)
