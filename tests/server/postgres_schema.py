"""A migrated PostgreSQL schema of its own, for tests that run the server parts on PostgreSQL.

Unreachable PostgreSQL fails the test under CI (``CI`` set) and skips it elsewhere.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import Engine, delete, insert, make_url, text
from sqlalchemy.exc import OperationalError

from tradewind.storage.engine import create_engine_from_url
from tradewind.storage.migrate import migrate
from tradewind.storage.rows import DEFAULT_POOL, Base, PoolRow

POSTGRES_URL_ENV = "TRADEWIND_TEST_POSTGRES_URL"
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@contextmanager
def migrated_postgres_schema(prefix: str) -> Iterator[Engine]:
    """An engine on a fresh, migrated schema named ``<prefix>_<random>``, dropped afterwards."""
    url = make_url(os.environ.get(POSTGRES_URL_ENV, DEFAULT_POSTGRES_URL)).update_query_dict(
        {"connect_timeout": "5"}
    )
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
    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with server.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = create_engine_from_url(
        server.url.update_query_dict({"options": f"-csearch_path={schema}"}), pool_size=3
    )
    migrate(engine)
    try:
        yield engine
    finally:
        engine.dispose()
        with server.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        server.dispose()


def empty_tables(engine: Engine) -> None:
    """Delete every row, then restore the default pool the first migration creates."""
    with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(delete(table))
        connection.execute(insert(PoolRow).values(name=DEFAULT_POOL, slots=128))
