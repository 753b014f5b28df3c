"""Where each try's log is kept (a path under $TRADEWIND_HOME or an fsspec URL)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from tradewind.contracts.runs import TaskInstanceKey
from tradewind.storage.rows import LogLocationRow
from tradewind.storage.upsert import upsert

_KEY = ("dag_id", "run_id", "task_id", "map_index", "try_number")


def upsert_log_location(
    *, session: Session, key: TaskInstanceKey, location: str, now: datetime
) -> None:
    """Record where the log of the try ``key`` is written (again: the new place wins)."""
    values = {name: getattr(key, name) for name in _KEY}
    values.update(location=location, created_at=now)
    upsert(session, LogLocationRow, [values], keys=_KEY, update=("location", "created_at"))


def get_log_location(*, session: Session, key: TaskInstanceKey) -> str | None:
    return session.scalar(
        select(LogLocationRow.location).where(
            *(getattr(LogLocationRow, name) == getattr(key, name) for name in _KEY)
        )
    )


def list_log_locations(
    *, session: Session, dag_id: str, run_id: str, task_id: str, map_index: int = -1
) -> list[LogLocationRow]:
    """The log locations of every try of one task instance, first try first."""
    return list(
        session.scalars(
            select(LogLocationRow)
            .where(
                LogLocationRow.dag_id == dag_id,
                LogLocationRow.run_id == run_id,
                LogLocationRow.task_id == task_id,
                LogLocationRow.map_index == map_index,
            )
            .order_by(LogLocationRow.try_number)
        )
    )
