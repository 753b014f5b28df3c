"""Variables: named values that tasks read."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from tradewind.storage.repos.paging import count_rows, matches_pattern, order_rows
from tradewind.storage.rows import VariableRow
from tradewind.storage.upsert import upsert

#: What a page of variables may be ordered by (``id``: Airflow's surrogate key, here the key).
VARIABLE_ORDER_FIELDS: Mapping[str, Any] = {
    "key": VariableRow.key,
    "id": VariableRow.key,
    "value": VariableRow.val,
    "_val": VariableRow.val,
    "description": VariableRow.description,
    "is_encrypted": VariableRow.is_encrypted,
}

#: The fields ``update_variable`` may change.
VARIABLE_FIELDS = ("val", "description")


def get_variable(*, session: Session, key: str) -> VariableRow | None:
    return session.get(VariableRow, key)


def list_existing_keys(*, session: Session, keys: Collection[str]) -> set[str]:
    """Those of ``keys`` that name a variable."""
    if not keys:
        return set()
    return set(session.scalars(select(VariableRow.key).where(VariableRow.key.in_(list(keys)))))


def list_variables(
    *, session: Session, limit: int | None = None, offset: int = 0
) -> list[VariableRow]:
    stmt = select(VariableRow).order_by(VariableRow.key).offset(offset).limit(limit)
    return list(session.scalars(stmt))


def list_variable_page(
    *,
    session: Session,
    key_pattern: str | None = None,
    order_by: Sequence[tuple[str, bool]] = (),
    limit: int | None = None,
    offset: int = 0,
) -> tuple[list[VariableRow], int]:
    """A page of variables whose key matches ``key_pattern`` (as Airflow's ``…_pattern``
    filters), and how many match; ``order_by`` names keys of :data:`VARIABLE_ORDER_FIELDS`."""
    stmt = select(VariableRow)
    if key_pattern:
        stmt = stmt.where(matches_pattern(VariableRow.key, key_pattern))
    total = count_rows(session, stmt)
    stmt = order_rows(stmt, VARIABLE_ORDER_FIELDS, [*order_by, ("key", False)])
    return list(session.scalars(stmt.offset(offset).limit(limit))), total


def create_variable(
    *, session: Session, key: str, value: str, description: str | None = None
) -> VariableRow:
    """A new variable; a taken key fails with ``IntegrityError`` at flush."""
    row = VariableRow(key=key, val=value, description=description, is_encrypted=False)
    session.add(row)
    session.flush()
    return row


def update_variable(*, session: Session, key: str, **fields: Any) -> bool:
    """Change the given fields (``val``, ``description``); False if there is no such variable."""
    unknown = set(fields) - set(VARIABLE_FIELDS)
    if unknown:
        raise TypeError(f"Unknown variable field(s): {', '.join(sorted(unknown))}.")
    if not fields:
        return get_variable(session=session, key=key) is not None
    result = session.execute(update(VariableRow).where(VariableRow.key == key).values(**fields))
    return int(getattr(result, "rowcount", 0)) == 1


def upsert_variable(
    *, session: Session, key: str, value: str, description: str | None = None
) -> None:
    """Set a variable's value (and description, when given), creating it if needed."""
    values = {"key": key, "val": value, "description": description, "is_encrypted": False}
    changed = ["val", "is_encrypted"] + (["description"] if description is not None else [])
    upsert(session, VariableRow, [values], keys=["key"], update=changed)
    existing = session.identity_map.get(identity_key(VariableRow, key))
    if existing is not None:
        session.expire(existing)


def delete_variable(*, session: Session, key: str) -> bool:
    result = session.execute(delete(VariableRow).where(VariableRow.key == key))
    return int(getattr(result, "rowcount", 0)) == 1
