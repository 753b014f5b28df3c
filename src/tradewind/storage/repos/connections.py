"""Connections: how tasks reach outside systems.

Passwords and extras are stored as given for now (plain text); encryption at rest comes
with the ``is_encrypted`` flags of the row.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from tradewind.storage.repos.paging import count_rows, matches_pattern, order_rows
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


#: What a page of connections may be ordered by (``id``: Airflow's surrogate key, here conn_id).
CONNECTION_ORDER_FIELDS: Mapping[str, Any] = {
    "connection_id": ConnectionRow.conn_id,
    "conn_id": ConnectionRow.conn_id,
    "id": ConnectionRow.conn_id,
    "conn_type": ConnectionRow.conn_type,
    "description": ConnectionRow.description,
    "host": ConnectionRow.host,
    "port": ConnectionRow.port,
}


def get_connection(*, session: Session, conn_id: str) -> ConnectionRow | None:
    return session.get(ConnectionRow, conn_id)


def list_connections(
    *, session: Session, limit: int | None = None, offset: int = 0
) -> list[ConnectionRow]:
    stmt = select(ConnectionRow).order_by(ConnectionRow.conn_id).offset(offset).limit(limit)
    return list(session.scalars(stmt))


def list_connection_page(
    *,
    session: Session,
    conn_id_pattern: str | None = None,
    order_by: Sequence[tuple[str, bool]] = (),
    limit: int | None = None,
    offset: int = 0,
) -> tuple[list[ConnectionRow], int]:
    """A page of connections whose id matches ``conn_id_pattern`` (as Airflow's ``…_pattern``
    filters), and how many match; ``order_by`` names keys of :data:`CONNECTION_ORDER_FIELDS`."""
    stmt = select(ConnectionRow)
    if conn_id_pattern:
        stmt = stmt.where(matches_pattern(ConnectionRow.conn_id, conn_id_pattern))
    total = count_rows(session, stmt)
    stmt = order_rows(stmt, CONNECTION_ORDER_FIELDS, [*order_by, ("conn_id", False)])
    return list(session.scalars(stmt.offset(offset).limit(limit))), total


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
