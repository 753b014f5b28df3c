"""What users do to a DAG's history: find runs and task instances to clear, delete XCom, delete it.

Used by ``server.run_operations`` and ``server.backfill``; state changes themselves go
through ``core.transitions`` on records (``SqlStore``), these functions only read sets of
rows and delete them.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import delete, func, or_, select, tuple_
from sqlalchemy.orm import Session

from tradewind.contracts.states import ACTIVE_TASK_STATES
from tradewind.contracts.states import TaskInstanceState as S
from tradewind.storage.engine import hold_write_lock
from tradewind.storage.rows import (
    DagRow,
    DagRunRow,
    DagVersionRow,
    LogLocationRow,
    TaskInstanceRow,
    TaskTryRow,
    XComRow,
)

#: (dag_id, run_id, task_id, map_index)
TiKey = tuple[str, str, str, int]


def list_dag_runs_between(
    *,
    session: Session,
    dag_id: str,
    run_ids: Collection[str] | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    lock: bool = False,
) -> list[DagRunRow]:
    """Runs of ``dag_id`` (only ``run_ids`` when given) whose logical date is in [start, end].

    A bound that is None is open; runs without a logical date match only open bounds.
    Oldest first. With ``lock``, the rows are locked (``FOR UPDATE`` on PostgreSQL, waiting
    for a scheduler that plans them): a scheduler skips them until the transaction ends.
    """
    stmt = select(DagRunRow).where(DagRunRow.dag_id == dag_id)
    if run_ids is not None:
        stmt = stmt.where(DagRunRow.run_id.in_(list(run_ids)))
    if start is not None:
        stmt = stmt.where(DagRunRow.logical_date >= start)
    if end is not None:
        stmt = stmt.where(DagRunRow.logical_date <= end)
    stmt = stmt.order_by(DagRunRow.run_after, DagRunRow.id)
    if lock:
        hold_write_lock(session)
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return list(session.scalars(stmt))


def list_dag_runs_at(
    *, session: Session, dag_id: str, logical_dates: Collection[datetime]
) -> dict[datetime, DagRunRow]:
    """logical date → the run of ``dag_id`` at that date (unique per DAG), for those that exist."""
    if not logical_dates:
        return {}
    rows = session.scalars(
        select(DagRunRow).where(
            DagRunRow.dag_id == dag_id, DagRunRow.logical_date.in_(list(logical_dates))
        )
    )
    return {row.logical_date: row for row in rows if row.logical_date is not None}


def list_task_instances_of_runs(
    *,
    session: Session,
    dag_id: str,
    run_ids: Collection[str],
    task_ids: Collection[str] | None = None,
    states: Collection[S | None] | None = None,
) -> list[TaskInstanceRow]:
    """Task instances of some runs of one DAG, ordered by run, task and map index."""
    if not run_ids:
        return []
    stmt = select(TaskInstanceRow).where(
        TaskInstanceRow.dag_id == dag_id, TaskInstanceRow.run_id.in_(list(run_ids))
    )
    if task_ids is not None:
        stmt = stmt.where(TaskInstanceRow.task_id.in_(list(task_ids)))
    if states is not None:
        named = [state for state in states if state is not None]
        clause = TaskInstanceRow.state.in_(named)
        stmt = stmt.where(
            or_(clause, TaskInstanceRow.state.is_(None)) if None in states else clause
        )
    stmt = stmt.order_by(TaskInstanceRow.run_id, TaskInstanceRow.task_id, TaskInstanceRow.map_index)
    return list(session.scalars(stmt))


def delete_xcom(*, session: Session, keys: Collection[TiKey]) -> int:
    """Delete every XCom of these task instances; returns how many went."""
    if not keys:
        return 0
    columns = tuple_(XComRow.dag_id, XComRow.run_id, XComRow.task_id, XComRow.map_index)
    result = session.execute(delete(XComRow).where(columns.in_(list(keys))))
    return int(getattr(result, "rowcount", 0))


def delete_xcom_of_tasks(
    *, session: Session, dag_id: str, tasks: Collection[tuple[str, str]]
) -> int:
    """Delete the XCom of every map index of these (run_id, task_id) pairs of one DAG."""
    if not tasks:
        return 0
    result = session.execute(
        delete(XComRow).where(
            XComRow.dag_id == dag_id,
            tuple_(XComRow.run_id, XComRow.task_id).in_(list(tasks)),
        )
    )
    return int(getattr(result, "rowcount", 0))


def count_active_task_instances_of_dag(*, session: Session, dag_id: str) -> int:
    """Task instances of ``dag_id`` that hold an executor slot (queued, running, deferred)."""
    return int(
        session.scalar(
            select(func.count()).where(
                TaskInstanceRow.dag_id == dag_id,
                TaskInstanceRow.state.in_(list(ACTIVE_TASK_STATES)),
            )
        )
        or 0
    )


#: What ``delete_dag_history`` deletes, children first (the names it reports counts under).
_HISTORY = (
    ("xcom", XComRow),
    ("log_locations", LogLocationRow),
    ("task_tries", TaskTryRow),
    ("task_instances", TaskInstanceRow),
    ("dag_runs", DagRunRow),
    ("dag_versions", DagVersionRow),
    ("dags", DagRow),
)


def delete_dag_history(*, session: Session, dag_id: str) -> dict[str, int]:
    """Delete a DAG's row, versions, runs, task instances, tries, XCom and log locations.

    Returns the number of rows deleted per table (``dags``, ``dag_runs``, …). Import errors
    (by file) and asset events (by asset) are not the DAG's and stay.
    """
    counts: dict[str, int] = {}
    for name, row in _HISTORY:
        result = session.execute(delete(row).where(row.dag_id == dag_id))
        counts[name] = int(getattr(result, "rowcount", 0))
    return counts
