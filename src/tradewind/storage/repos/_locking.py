"""Row claiming for several schedulers: ``FOR UPDATE SKIP LOCKED`` where the backend has it."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import Select

_S = TypeVar("_S", bound=Select[Any])


def skip_locked(stmt: _S, *, lock: bool, of: Any = None) -> _S:
    """Lock the selected rows (of ``of`` only, in a join), skipping rows others hold.

    PostgreSQL renders ``FOR UPDATE [OF …] SKIP LOCKED``; SQLite has no row locks and runs the
    plain query (its writers are serialized by the database lock). The selected ORM objects
    are refreshed from the database, so a claim never works from stale objects.
    """
    stmt = stmt.execution_options(populate_existing=True)
    if not lock:
        return stmt
    return stmt.with_for_update(skip_locked=True, of=of)
