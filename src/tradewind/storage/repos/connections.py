"""Connections: how tasks reach outside systems.

Passwords and extras are stored as given for now (plain text); encryption at rest comes
with the ``is_encrypted`` flags of the row.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from tradewind.storage.rows import ConnectionRow

#: The fields a caller may set, besides conn_id.
CONNECTION_FIELDS = (
    "conn_type",
    "description",
    "host",
    "schema",
    "login",
    "password",
    "port",
    "extra",
)


def get_connection(*, session: Session, conn_id: str) -> ConnectionRow | None:
    return session.get(ConnectionRow, conn_id)


def list_connections(
    *, session: Session, limit: int | None = None, offset: int = 0
) -> list[ConnectionRow]:
    stmt = select(ConnectionRow).order_by(ConnectionRow.conn_id).offset(offset).limit(limit)
    return list(session.scalars(stmt))


def _checked(fields: dict[str, Any]) -> dict[str, Any]:
    unknown = set(fields) - set(CONNECTION_FIELDS)
    if unknown:
        raise TypeError(f"Unknown connection field(s): {', '.join(sorted(unknown))}.")
    return fields


def create_connection(
    *, session: Session, conn_id: str, conn_type: str, **fields: Any
) -> ConnectionRow:
    """A new connection; a taken conn_id fails with ``IntegrityError`` at flush."""
    row = ConnectionRow(conn_id=conn_id, conn_type=conn_type, **_checked(fields))
    session.add(row)
    session.flush()
    return row


def update_connection(*, session: Session, conn_id: str, **fields: Any) -> bool:
    """Change the given fields; False if there is no such connection."""
    if not fields:
        return get_connection(session=session, conn_id=conn_id) is not None
    result = session.execute(
        update(ConnectionRow).where(ConnectionRow.conn_id == conn_id).values(**_checked(fields))
    )
    return int(getattr(result, "rowcount", 0)) == 1


def delete_connection(*, session: Session, conn_id: str) -> bool:
    result = session.execute(delete(ConnectionRow).where(ConnectionRow.conn_id == conn_id))
    return int(getattr(result, "rowcount", 0)) == 1
