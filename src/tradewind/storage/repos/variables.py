"""Variables: named values that tasks read."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from tradewind.storage.rows import VariableRow
from tradewind.storage.upsert import upsert


def get_variable(*, session: Session, key: str) -> VariableRow | None:
    return session.get(VariableRow, key)


def list_variables(
    *, session: Session, limit: int | None = None, offset: int = 0
) -> list[VariableRow]:
    stmt = select(VariableRow).order_by(VariableRow.key).offset(offset).limit(limit)
    return list(session.scalars(stmt))


def create_variable(
    *, session: Session, key: str, value: str, description: str | None = None
) -> VariableRow:
    """A new variable; a taken key fails with ``IntegrityError`` at flush."""
    row = VariableRow(key=key, val=value, description=description, is_encrypted=False)
    session.add(row)
    session.flush()
    return row


def upsert_variable(
    *, session: Session, key: str, value: str, description: str | None = None
) -> None:
    """Set a variable's value (and description, when given), creating it if needed."""
    values = {"key": key, "val": value, "description": description, "is_encrypted": False}
    update = ["val", "is_encrypted"] + (["description"] if description is not None else [])
    upsert(session, VariableRow, [values], keys=["key"], update=update)
    existing = session.identity_map.get(identity_key(VariableRow, key))
    if existing is not None:
        session.expire(existing)


def delete_variable(*, session: Session, key: str) -> bool:
    result = session.execute(delete(VariableRow).where(VariableRow.key == key))
    return int(getattr(result, "rowcount", 0)) == 1
