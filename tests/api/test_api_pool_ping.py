"""The API's PostgreSQL pool checks a connection before use only after it idled.

Requests in steady use skip the round trip ``pool_pre_ping`` would cost each of them; a
connection that idled is checked, and replaced when the server dropped it meanwhile.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError
from tests.server.postgres_schema import DEFAULT_POSTGRES_URL, POSTGRES_URL_ENV

from tradewind.storage import engine as engine_module
from tradewind.storage.engine import create_engine_from_url

pytestmark = pytest.mark.postgres


@pytest.fixture
def engine() -> Iterator[Engine]:
    """A pool of one connection, and another engine to end that connection's backend."""
    pool = create_engine_from_url(
        os.environ.get(POSTGRES_URL_ENV, DEFAULT_POSTGRES_URL), pool_size=1, max_overflow=0
    )
    try:
        with pool.connect() as connection:
            connection.execute(text("SELECT 1"))
    except OperationalError as error:
        pool.dispose()
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is unreachable: {error.orig}")
        pytest.skip(f"PostgreSQL is unreachable: {error.orig}")
    yield pool
    pool.dispose()


def _backend(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text("SELECT pg_backend_pid()")).scalar_one())


def _end_backend(engine: Engine, pid: int) -> None:
    killer = create_engine_from_url(engine.url, pool_size=1)
    with killer.begin() as connection:
        assert connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar()
    killer.dispose()


def test_a_connection_in_steady_use_is_not_checked(engine: Engine) -> None:
    first = _backend(engine)
    _end_backend(engine, first)
    # Used again at once, the dropped connection is not checked: its next statement fails
    # (the API answers 503), and the pool replaces it for the request after.
    with pytest.raises(OperationalError):
        _backend(engine)
    assert _backend(engine) != first


def test_a_connection_that_idled_is_checked_and_replaced(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = _backend(engine)
    _end_backend(engine, first)
    monkeypatch.setattr(engine_module, "PING_AFTER_IDLE", 0.0)
    assert _backend(engine) != first
