"""``INSERT … ON CONFLICT`` for the backends the store runs on (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from tradewind.errors import ConfigError
from tradewind.storage.rows import Base

Insert = postgresql.Insert | sqlite.Insert


def dialect_insert(session: Session, row: type[Base]) -> Insert:
    """An insert into ``row``'s table that supports ``on_conflict_do_*`` on this backend."""
    name = session.get_bind().dialect.name
    if name == "postgresql":
        return postgresql.insert(row)
    if name == "sqlite":
        return sqlite.insert(row)
    raise ConfigError(f"The {name!r} database is not supported; use SQLite or PostgreSQL.")


def upsert(
    session: Session,
    row: type[Base],
    values: Sequence[dict[str, Any]],
    *,
    keys: Collection[str],
    update: Collection[str],
) -> None:
    """Insert ``values``; rows whose ``keys`` exist already get the ``update`` columns."""
    if not values:
        return
    cache_key = (session.get_bind().dialect.name, row, tuple(keys), tuple(update))
    stmt = _UPSERTS.get(cache_key)
    if stmt is None:
        insert = dialect_insert(session, row)
        stmt = _UPSERTS[cache_key] = insert.on_conflict_do_update(
            index_elements=list(keys), set_={name: insert.excluded[name] for name in update}
        )
    session.execute(stmt, list(values))


#: Upsert statements already built, by (dialect, row class, keys, updated columns).
_UPSERTS: dict[tuple[str, type[Base], tuple[str, ...], tuple[str, ...]], Insert] = {}
