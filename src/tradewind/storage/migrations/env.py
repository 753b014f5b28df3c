"""Alembic environment: runs on the connection that :mod:`tradewind.storage.migrate` passes."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from tradewind.storage.rows import Base


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=True,  # ALTER on SQLite needs table copies
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


_connection = context.config.attributes.get("connection")
if not isinstance(_connection, Connection):
    raise RuntimeError(
        "Tradewind's migrations run through tradewind.storage.migrate (or `tradewind db "
        "migrate`), which passes the database connection; there is no alembic.ini."
    )
_run(_connection)
