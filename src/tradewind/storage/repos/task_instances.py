"""Task instances, as the scheduler, the zombie reaper and the API need them."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select, tuple_, update
from sqlalchemy.orm import Session

from tradewind.contracts.runs import TaskInstanceKey
from tradewind.contracts.states import ACTIVE_TASK_STATES, DagRunState
from tradewind.contracts.states import TaskInstanceState as S
from tradewind.storage.repos._locking import skip_locked
from tradewind.storage.rows import DagRow, DagRunRow, TaskInstanceRow

#: (dag_id, run_id, task_id, map_index)
TiKey = tuple[str, str, str, int]

_KEY = tuple_(
    TaskInstanceRow.dag_id,
    TaskInstanceRow.run_id,
    TaskInstanceRow.task_id,
    TaskInstanceRow.map_index,
)


def _in_states(states: Collection[S | None]) -> ColumnElement[bool]:
    named = [state for state in states if state is not None]
    clause = TaskInstanceRow.state.in_(named)
    return or_(clause, TaskInstanceRow.state.is_(None)) if None in states else clause


def get_task_instance(
    *, session: Session, dag_id: str, run_id: str, task_id: str, map_index: int = -1
) -> TaskInstanceRow | None:
    return session.get(TaskInstanceRow, (dag_id, run_id, task_id, map_index))


def list_task_instances(
    *,
    session: Session,
    dag_id: str | None = None,
    run_id: str | None = None,
    task_ids: Collection[str] | None = None,
    states: Collection[S | None] | None = None,
) -> list[TaskInstanceRow]:
    """Task instances ordered by dag, run, task and map index."""
    stmt = select(TaskInstanceRow).order_by(
        TaskInstanceRow.dag_id,
        TaskInstanceRow.run_id,
        TaskInstanceRow.task_id,
        TaskInstanceRow.map_index,
    )
    if dag_id is not None:
        stmt = stmt.where(TaskInstanceRow.dag_id == dag_id)
    if run_id is not None:
        stmt = stmt.where(TaskInstanceRow.run_id == run_id)
    if task_ids is not None:
        stmt = stmt.where(TaskInstanceRow.task_id.in_(list(task_ids)))
    if states is not None:
        stmt = stmt.where(_in_states(states))
    return list(session.scalars(stmt))


def list_task_instances_to_queue(
    *, session: Session, limit: int, lock: bool = True
) -> list[TaskInstanceRow]:
    """Scheduled instances of running runs of unpaused DAGs, highest priority first.

    Claimed with skip locked: a second scheduler gets the next ones. The caller picks what
    pools and limits allow (``core.limits``) and queues those.
    """
    stmt = (
        select(TaskInstanceRow)
        .join(
            DagRunRow,
            (DagRunRow.dag_id == TaskInstanceRow.dag_id)
            & (DagRunRow.run_id == TaskInstanceRow.run_id),
        )
        .join(DagRow, DagRow.dag_id == TaskInstanceRow.dag_id)
        .where(
            TaskInstanceRow.state == S.SCHEDULED,
            DagRunRow.state == DagRunState.RUNNING,
            ~DagRow.is_paused,
        )
        .order_by(
            TaskInstanceRow.priority.desc(),
            DagRunRow.run_after,
            TaskInstanceRow.dag_id,
            TaskInstanceRow.run_id,
            TaskInstanceRow.task_id,
            TaskInstanceRow.map_index,
        )
        .limit(limit)
    )
    return list(session.scalars(skip_locked(stmt, lock=lock, of=TaskInstanceRow)))


def update_task_instance_states(
    *,
    session: Session,
    keys: Collection[TiKey],
    state: S | None,
    from_states: Collection[S | None] | None = None,
    values: Mapping[str, Any] | None = None,
) -> int:
    """Set ``state`` (and ``values``) on the instances of ``keys`` in one statement.

    Only instances currently in ``from_states`` change, when given. Returns how many did.
    This is the write behind a rule of ``core.transitions``; call it from there.
    """
    if not keys:
        return 0
    stmt = update(TaskInstanceRow).where(_KEY.in_(list(keys)))
    if from_states is not None:
        stmt = stmt.where(_in_states(from_states))
    result = session.execute(
        stmt.values(state=state, **dict(values or {})).execution_options(
            synchronize_session="fetch"
        )
    )
    return int(getattr(result, "rowcount", 0))


def update_task_instance_heartbeat(
    *, session: Session, key: TaskInstanceKey, now: datetime
) -> bool:
    """Record a heartbeat of a running try; False if the try is not the current running one."""
    result = session.execute(
        update(TaskInstanceRow)
        .where(
            TaskInstanceRow.dag_id == key.dag_id,
            TaskInstanceRow.run_id == key.run_id,
            TaskInstanceRow.task_id == key.task_id,
            TaskInstanceRow.map_index == key.map_index,
            TaskInstanceRow.try_number == key.try_number,
            TaskInstanceRow.state == S.RUNNING,
        )
        .values(last_heartbeat_at=now)
        .execution_options(synchronize_session="fetch")
    )
    return int(getattr(result, "rowcount", 0)) == 1


def list_zombie_task_instances(
    *, session: Session, heartbeat_before: datetime, limit: int, lock: bool = True
) -> list[TaskInstanceRow]:
    """Running instances silent since before ``heartbeat_before`` (or never heard from)."""
    last_sign = func.coalesce(TaskInstanceRow.last_heartbeat_at, TaskInstanceRow.start_date)
    stmt = (
        select(TaskInstanceRow)
        .where(TaskInstanceRow.state == S.RUNNING, last_sign < heartbeat_before)
        .order_by(last_sign)
        .limit(limit)
    )
    return list(session.scalars(skip_locked(stmt, lock=lock)))


def count_active_task_instances(
    *, session: Session, dag_ids: Collection[str] | None = None
) -> dict[tuple[str, str], int]:
    """(dag_id, task_id) → instances holding an executor slot (queued, running, deferred).

    Sum by dag_id for a DAG's ``max_active_tasks``.
    """
    stmt = (
        select(TaskInstanceRow.dag_id, TaskInstanceRow.task_id, func.count())
        .where(TaskInstanceRow.state.in_(list(ACTIVE_TASK_STATES)))
        .group_by(TaskInstanceRow.dag_id, TaskInstanceRow.task_id)
    )
    if dag_ids is not None:
        stmt = stmt.where(TaskInstanceRow.dag_id.in_(list(dag_ids)))
    return {(row[0], row[1]): row[2] for row in session.execute(stmt)}
