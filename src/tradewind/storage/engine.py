"""Engines and sessions for the metadata database, from a URL.

SQLite (the embedded default) gets WAL journaling, a busy timeout and enforced foreign keys
on every connection; PostgreSQL gets a connection pool that checks a connection before use
when it has been idle a while (see :func:`_ping_idle_connections`).
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Engine, create_engine, event, exc, make_url
from sqlalchemy.engine import URL
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from tradewind.config import DatabaseSettings, Settings

# 19 digits in a row may be an integer beyond 64 bits, which orjson would read as a float.
_LONG_DIGITS = re.compile(r"\d{19}")
_LONG_DIGITS_BYTES = re.compile(rb"\d{19}")


def _json_loads(text: str | bytes) -> Any:
    """JSON columns (a run's conf, an event's extra) as Python values: orjson reads them
    several times faster than ``json``, which still reads what orjson would not read
    exactly (long numbers) or at all (NaN)."""
    long_digits = _LONG_DIGITS_BYTES if isinstance(text, bytes) else _LONG_DIGITS
    if long_digits.search(text) is None:  # type: ignore[arg-type]
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError:
            pass
    return json.loads(text)


def _is_memory_sqlite(url: URL) -> bool:
    return url.database in (None, "", ":memory:") or "mode=memory" in str(url)


def _sqlite_engine(url: URL, *, busy_timeout: float, echo: bool) -> Engine:
    memory = _is_memory_sqlite(url)
    if not memory and url.database:
        Path(url.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    kwargs: dict[str, Any] = {}
    if memory:
        kwargs["poolclass"] = StaticPool  # one connection, or every session sees a new database
    engine = create_engine(
        url,
        echo=echo,
        json_deserializer=_json_loads,
        connect_args={"check_same_thread": False, "timeout": busy_timeout},
        **kwargs,
    )

    @event.listens_for(engine, "connect")
    def _set_pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        try:
            if not memory:
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
            cursor.execute("PRAGMA foreign_keys=ON")
        finally:
            cursor.close()

    return engine


def hold_write_lock(session: Session) -> None:
    """On SQLite, make the session's transaction a writer from now on (``BEGIN IMMEDIATE``).

    SQLite has no row locks, and a transaction only becomes a writer at its first write: one
    that reads, decides, then writes would overwrite what another writer committed in between
    (a task marked failed while the scheduler recorded it as started, say). Code that would
    lock rows ``FOR UPDATE`` on PostgreSQL calls this first, so that on SQLite its reads and
    writes are one writer's. Nothing happens elsewhere, or if the transaction already writes.
    """
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        return
    driver_connection = connection.connection.driver_connection
    if driver_connection is not None and not driver_connection.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


#: Seconds a pooled PostgreSQL connection may idle before it is checked at checkout.
PING_AFTER_IDLE = 10.0


def _ping_idle_connections(engine: Engine) -> None:
    """Check a pooled connection (one round trip) at checkout only if it idled a while.

    ``pool_pre_ping`` does it at every checkout: a round trip per API request. A connection
    that idled (``PING_AFTER_IDLE`` seconds or more) is the one a database restart or a
    firewall's idle timeout has most likely broken, and it is replaced before use. One in
    steady use is not checked: after a restart the statement that next uses it fails (that
    request answers 503), and SQLAlchemy then replaces every connection of the pool.
    ``pool_recycle`` still renews each connection after its time.
    """

    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_connection: Any, record: Any) -> None:
        record.info["checked_in"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        checked_in = record.info.get("checked_in")
        if checked_in is None or time.monotonic() - checked_in < PING_AFTER_IDLE:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as error:
            # The pool discards the connection and checks out another (a new one if need be).
            raise exc.DisconnectionError(f"A pooled connection is broken: {error}") from error


def create_engine_from_url(
    url: str | URL,
    *,
    pool_size: int = 5,
    max_overflow: int = 10,
    pool_recycle: int = 1800,
    sqlite_busy_timeout: float = 30.0,
    echo: bool = False,
) -> Engine:
    """An engine for ``url``: ``sqlite:///path`` or ``postgresql+psycopg://…``.

    A bare ``postgresql://`` URL uses psycopg 3. The pool settings apply to PostgreSQL.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed, busy_timeout=sqlite_busy_timeout, echo=echo)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    engine = create_engine(
        parsed,
        echo=echo,
        json_deserializer=_json_loads,
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_recycle=pool_recycle,
    )
    _ping_idle_connections(engine)
    return engine


def engine_from_settings(settings: Settings) -> Engine:
    """The engine of ``settings.database_url``, with the ``[database]`` pool settings."""
    database: DatabaseSettings = settings.database
    return create_engine_from_url(
        settings.database_url,
        pool_size=database.pool_size,
        max_overflow=database.max_overflow,
        pool_recycle=database.pool_recycle,
        sqlite_busy_timeout=database.sqlite_busy_timeout,
    )


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions bound to ``engine``. Objects stay readable after commit."""
    return sessionmaker(bind=engine, expire_on_commit=False)
