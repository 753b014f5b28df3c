"""The event loop's own database connection, for the few routes served on the loop.

A route that hops to a worker thread pays for the hop and, once many requests are in
flight, for threads handing the interpreter's lock back and forth around every driver call.
The busiest routes (the user lookup of a bearer token, the runs list) therefore run on the
event loop. They must not take a connection from the shared pool there: the sessions of
threaded routes hand theirs back on the loop, after the response, so a loop waiting for
the pool could wait for itself. The loop keeps one connection of its own instead; the code
using it never awaits while it holds it, so one is enough and nothing ever waits for it.

The code on the loop only reads, so the connection runs in autocommit mode: each statement
sees what was committed before it, as under READ COMMITTED, without the BEGIN and ROLLBACK
round trips a transaction would add to every request on PostgreSQL.

On PostgreSQL the connection also plans each of its prepared statements once, for any
parameters (``plan_cache_mode``). Left to choose, PostgreSQL plans a page of runs again on
every run: it guesses that a generic plan fetches a tenth of the table (it cannot see the
LIMIT's value) and so always finds a custom one cheaper, though both are the same index
scan. Planning costs the database about as much as running the query. Every statement the
loop runs reads by key or pages through an index, where one plan fits every value.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine, exc
from sqlalchemy.orm import Session
from sqlalchemy.pool import StaticPool

from tradewind.server.specs import SessionFactory


class LoopDatabase:
    """Sessions on one connection kept for the thread of the first caller (the event loop),
    for reads only (the loop's connection commits each statement on its own)."""

    def __init__(self, session_factory: SessionFactory) -> None:
        self._session_factory = session_factory
        self._owner: int | None = None
        self._connection: Connection | None = None
        self._shared = False  # the engine has one connection for everyone (in-memory SQLite)
        self._lock = threading.Lock()

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session for code that does not await until the block ends.

        Another thread than the loop's (a test client's portal, say) gets an ordinary one.
        """
        thread = threading.get_ident()
        with self._lock:
            if self._owner is None:
                self._owner = thread
        if thread != self._owner:
            with self._session_factory() as session:
                yield session
            return
        connection = self._connect()
        if connection is None:
            with self._session_factory() as session:
                yield session
            return
        try:
            with Session(bind=connection) as session:  # ends its transaction when it closes
                yield session
        except exc.DBAPIError:
            self.close()  # a broken connection is replaced at the next use
            raise

    def _connect(self) -> Connection | None:
        if self._connection is None and not self._shared:
            with self._session_factory() as session:
                engine = session.get_bind()
            if isinstance(engine, Engine) and not isinstance(engine.pool, StaticPool):
                connection = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
                if connection.dialect.name == "postgresql":
                    connection.exec_driver_sql("SET plan_cache_mode = force_generic_plan")
                self._connection = connection
            else:
                self._shared = True
        return self._connection

    def close(self) -> None:
        """Close the connection (at shutdown, or after an error). It is not given back to
        the pool: the pool's other users must not inherit its plan caching."""
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.invalidate()
            connection.close()
