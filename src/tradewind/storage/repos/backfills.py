"""Backfills kept in the database, and the dates each plans (``backfill_dag_run``).

A date is *pending* until the backfill starts it (``started_at``); a started date's run is
*active* while it is queued or running. Scheduler-side reads that claim backfills lock them
(``FOR UPDATE SKIP LOCKED`` on PostgreSQL), so two schedulers never advance the same one.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, select, update
from sqlalchemy.orm import Session

from tradewind.contracts.states import DagRunState
from tradewind.storage.engine import hold_write_lock
from tradewind.storage.repos._locking import skip_locked
from tradewind.storage.rows import BackfillDagRunRow, BackfillRow, DagRunRow

#: What backfills may be ordered by.
BACKFILL_ORDER_FIELDS: Mapping[str, Any] = {"id": BackfillRow.id}

_SKIP = "skip"
_ACTIVE = (DagRunState.QUEUED, DagRunState.RUNNING)


def create_backfill(
    *, session: Session, backfill: BackfillRow, dates: Iterable[BackfillDagRunRow]
) -> BackfillRow:
    """Record a backfill and its dates (rows built by the caller); ids are set on return."""
    session.add(backfill)
    session.flush()
    rows = list(dates)
    for row in rows:
        row.backfill_id = backfill.id
    session.add_all(rows)
    session.flush()
    return backfill


def get_backfill(*, session: Session, backfill_id: int, lock: bool = False) -> BackfillRow | None:
    stmt = select(BackfillRow).where(BackfillRow.id == backfill_id)
    if lock:
        hold_write_lock(session)
        stmt = stmt.with_for_update()
    return session.scalars(stmt).first()


def get_active_backfill(*, session: Session, dag_id: str) -> BackfillRow | None:
    """The DAG's backfill that has not completed (there is at most one)."""
    stmt = select(BackfillRow).where(
        BackfillRow.dag_id == dag_id, BackfillRow.completed_at.is_(None)
    )
    return session.scalars(stmt.limit(1)).first()


def list_backfill_page(
    *,
    session: Session,
    dag_id: str,
    order_by: Sequence[tuple[str, bool]] = (("id", False),),
    limit: int | None = None,
    offset: int = 0,
) -> tuple[list[BackfillRow], int]:
    stmt = select(BackfillRow).where(BackfillRow.dag_id == dag_id)
    total = int(session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)
    for name, descending in [*order_by, ("id", False)]:
        column = BACKFILL_ORDER_FIELDS[name]
        stmt = stmt.order_by(column.desc() if descending else column.asc())
    return list(session.scalars(stmt.offset(offset).limit(limit))), total


def list_backfills_to_advance(
    *, session: Session, limit: int, lock: bool = True
) -> list[BackfillRow]:
    """Backfills neither completed nor paused, claimed for one scheduler."""
    stmt = (
        select(BackfillRow)
        .where(BackfillRow.completed_at.is_(None), ~BackfillRow.is_paused)
        .order_by(BackfillRow.id)
        .limit(limit)
    )
    return list(session.scalars(skip_locked(stmt, lock=lock)))


def _runs_of(backfill: BackfillRow) -> Any:
    """backfill_dag_run joined to the runs it started."""
    return and_(DagRunRow.dag_id == backfill.dag_id, DagRunRow.run_id == BackfillDagRunRow.run_id)


def list_backfill_dates(*, session: Session, backfill_id: int) -> list[BackfillDagRunRow]:
    """Every date of the backfill, in the order it starts them."""
    stmt = (
        select(BackfillDagRunRow)
        .where(BackfillDagRunRow.backfill_id == backfill_id)
        .order_by(BackfillDagRunRow.sort_ordinal)
    )
    return list(session.scalars(stmt))


def list_pending_backfill_dates(
    *, session: Session, backfill_id: int, limit: int
) -> list[BackfillDagRunRow]:
    """The next dates to start (not skipped, not started yet), in order."""
    stmt = (
        select(BackfillDagRunRow)
        .where(
            BackfillDagRunRow.backfill_id == backfill_id,
            BackfillDagRunRow.started_at.is_(None),
            BackfillDagRunRow.action != _SKIP,
        )
        .order_by(BackfillDagRunRow.sort_ordinal)
        .limit(limit)
    )
    return list(session.scalars(stmt))


def list_backfill_run_ids(
    *, session: Session, backfill: BackfillRow, states: Collection[DagRunState] = _ACTIVE
) -> list[str]:
    """The backfill's started runs that are in one of ``states`` (default: active)."""
    stmt = (
        select(DagRunRow.run_id)
        .join(BackfillDagRunRow, _runs_of(backfill))
        .where(
            BackfillDagRunRow.backfill_id == backfill.id,
            BackfillDagRunRow.started_at.is_not(None),
            DagRunRow.state.in_([str(state) for state in states]),
        )
        .order_by(BackfillDagRunRow.sort_ordinal)
    )
    return list(session.scalars(stmt))


def update_backfill_dates_started(*, session: Session, ids: Collection[int], now: datetime) -> None:
    if ids:
        session.execute(
            update(BackfillDagRunRow)
            .where(BackfillDagRunRow.id.in_(sorted(ids)))
            .values(started_at=now)
        )


def update_backfill(
    *, session: Session, backfill: BackfillRow, now: datetime, **values: Any
) -> None:
    """Set ``values`` (``is_paused``, ``completed_at``) and ``updated_at``."""
    for name, value in values.items():
        setattr(backfill, name, value)
    backfill.updated_at = now
    session.flush()
