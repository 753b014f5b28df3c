"""Task instances, as the scheduler, the zombie reaper and the API need them."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Row,
    Select,
    String,
    bindparam,
    func,
    or_,
    select,
    tuple_,
    type_coerce,
    update,
)
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


def claim_task_instance_rows_to_queue(
    *,
    session: Session,
    limit: int,
    lock: bool = True,
    skip_dags: Collection[str] = (),
    skip_tasks: Collection[tuple[str, str]] = (),
    skip_pools: Collection[str] = (),
) -> list[Row[Any]]:
    """What :func:`list_task_instances_to_queue` claims, as plain rows of every column.

    The scheduler's hot path: no ORM objects are built or refreshed. ``skip_tasks``
    ((dag_id, task_id)), ``skip_dags`` and ``skip_pools`` leave out instances that limits
    hold back, so that a claim reaches the lower-priority instances behind them.
    """
    if not skip_tasks and not skip_pools and not skip_dags:
        return list(session.execute(_CLAIM_LOCKED if lock else _CLAIM, {"limit": limit}))
    stmt = _CLAIM
    if skip_dags:
        stmt = stmt.where(TaskInstanceRow.dag_id.not_in(sorted(skip_dags)))
    if skip_tasks:
        pairs = tuple_(TaskInstanceRow.dag_id, TaskInstanceRow.task_id)
        stmt = stmt.where(pairs.not_in(sorted(skip_tasks)))
    if skip_pools:
        stmt = stmt.where(TaskInstanceRow.pool.not_in(sorted(skip_pools)))
    if lock:
        stmt = stmt.with_for_update(skip_locked=True, of=TaskInstanceRow)
    return list(session.execute(stmt, {"limit": limit}))


def _claim_statement() -> Select[Any]:
    return (
        select(*TaskInstanceRow.__table__.columns)
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
        .limit(bindparam("limit"))
    )


_CLAIM = _claim_statement()
_CLAIM_LOCKED = _CLAIM.with_for_update(skip_locked=True, of=TaskInstanceRow)


def queue_task_instances(
    *, session: Session, keys: Collection[TiKey], now: datetime, job_id: int | None
) -> set[TiKey]:
    """Record that scheduled instances were queued by the scheduler job ``job_id``.

    The write behind ``core.transitions.QUEUE`` for a set of instances, in one statement. It
    is also the claim: only instances still scheduled, of DAGs not paused, change (a row
    another scheduler is changing is waited for, then seen queued), and the keys of those are
    returned.
    """
    if not keys:
        return set()
    paused = select(DagRow.dag_id).where(DagRow.dag_id == TaskInstanceRow.dag_id, DagRow.is_paused)
    rows = session.execute(
        update(TaskInstanceRow)
        .where(_KEY.in_(list(keys)), TaskInstanceRow.state == S.SCHEDULED, ~paused.exists())
        .values(state=S.QUEUED, queued_at=now, queued_by_job_id=job_id)
        .returning(
            TaskInstanceRow.dag_id,
            TaskInstanceRow.run_id,
            TaskInstanceRow.task_id,
            TaskInstanceRow.map_index,
        )
        .execution_options(synchronize_session=False)
    )
    return {(row[0], row[1], row[2], row[3]) for row in rows}


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


def update_task_instance_heartbeats(
    *, session: Session, keys: Collection[TaskInstanceKey], now: datetime
) -> None:
    """Record a heartbeat of each running try of ``keys`` (one statement, many parameters).

    Tries that are not the current running try of their instance are left alone.
    """
    if keys:
        session.execute(
            _HEARTBEAT,
            [
                {
                    "key_dag_id": key.dag_id,
                    "key_run_id": key.run_id,
                    "key_task_id": key.task_id,
                    "key_map_index": key.map_index,
                    "key_try_number": key.try_number,
                    "now": now,
                }
                for key in keys
            ],
        )


_TI_TABLE: Any = TaskInstanceRow.__table__
_HEARTBEAT = (
    update(_TI_TABLE)
    .where(
        _TI_TABLE.c.dag_id == bindparam("key_dag_id"),
        _TI_TABLE.c.run_id == bindparam("key_run_id"),
        _TI_TABLE.c.task_id == bindparam("key_task_id"),
        _TI_TABLE.c.map_index == bindparam("key_map_index"),
        _TI_TABLE.c.try_number == bindparam("key_try_number"),
        _TI_TABLE.c.state == S.RUNNING,
    )
    .values(last_heartbeat_at=bindparam("now"))
)


def count_task_instance_states(
    *, session: Session, dag_id: str, run_id: str
) -> dict[S | None, int]:
    """state → how many instances of the run are in it."""
    rows = session.execute(_COUNT_STATES, {"dag_id": dag_id, "run_id": run_id})
    return {None if state is None else _STATES[state]: count for state, count in rows}


_STATES = {state.value: state for state in S}
# Grouped by an expression, not the column: SQLite would otherwise read the (dag_id, state)
# index, every run of the DAG, instead of the run's rows by primary key.
_STATE_VALUE = func.nullif(type_coerce(TaskInstanceRow.state, String), "")
_COUNT_STATES = (
    select(_STATE_VALUE, func.count())
    .where(
        TaskInstanceRow.dag_id == bindparam("dag_id"), TaskInstanceRow.run_id == bindparam("run_id")
    )
    .group_by(_STATE_VALUE)
)
_LIST_STATES = select(
    TaskInstanceRow.task_id, TaskInstanceRow.map_index, type_coerce(TaskInstanceRow.state, String)
).where(
    TaskInstanceRow.dag_id == bindparam("dag_id"), TaskInstanceRow.run_id == bindparam("run_id")
)
_LIST_STATES_OF_TASKS = _LIST_STATES.where(
    TaskInstanceRow.task_id.in_(bindparam("task_ids", expanding=True))
)


def list_task_instance_states(
    *, session: Session, dag_id: str, run_id: str, task_ids: Collection[str] | None = None
) -> list[tuple[str, int, S | None]]:
    """(task_id, map_index, state) of the run's instances (of ``task_ids`` only, when given).

    The cheapest read of a run: what planning needs of the tasks it only looks at.
    """
    params: dict[str, Any] = {"dag_id": dag_id, "run_id": run_id}
    stmt = _LIST_STATES
    if task_ids is not None:
        stmt, params["task_ids"] = _LIST_STATES_OF_TASKS, sorted(task_ids)
    return [
        (task_id, map_index, None if state is None else _STATES[state])
        for task_id, map_index, state in session.execute(stmt, params)
    ]


def list_current_tries(
    *, session: Session, keys: Collection[TiKey]
) -> dict[TiKey, tuple[int, S | None]]:
    """Of each instance in ``keys`` that exists: its current try number and state."""
    if not keys:
        return {}
    stmt = select(
        TaskInstanceRow.dag_id,
        TaskInstanceRow.run_id,
        TaskInstanceRow.task_id,
        TaskInstanceRow.map_index,
        TaskInstanceRow.try_number,
        TaskInstanceRow.state,
    ).where(_KEY.in_(sorted(keys)))
    return {
        (dag_id, run_id, task_id, map_index): (try_number, state)
        for dag_id, run_id, task_id, map_index, try_number, state in session.execute(stmt)
    }


def list_orphaned_task_instances(
    *, session: Session, alive_job_ids: Collection[int], limit: int, lock: bool = True
) -> list[TaskInstanceRow]:
    """Queued, running or deferred instances whose scheduler job is not among the alive ones."""
    stmt = (
        select(TaskInstanceRow)
        .where(TaskInstanceRow.state.in_(list(ACTIVE_TASK_STATES)))
        .where(
            or_(
                TaskInstanceRow.queued_by_job_id.is_(None),
                TaskInstanceRow.queued_by_job_id.not_in(list(alive_job_ids)),
            )
        )
        .order_by(TaskInstanceRow.dag_id, TaskInstanceRow.run_id, TaskInstanceRow.task_id)
        .limit(limit)
    )
    return list(session.scalars(skip_locked(stmt, lock=lock, of=TaskInstanceRow)))


def has_task_instances(*, session: Session, dag_id: str, run_id: str) -> bool:
    """Whether the run has any task instance yet."""
    found = session.scalar(
        select(TaskInstanceRow.task_id)
        .where(TaskInstanceRow.dag_id == dag_id, TaskInstanceRow.run_id == run_id)
        .limit(1)
    )
    return found is not None


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
    stmt = _COUNT_ACTIVE
    if dag_ids is not None:
        stmt = stmt.where(TaskInstanceRow.dag_id.in_(list(dag_ids)))
    return {(row[0], row[1]): row[2] for row in session.execute(stmt)}


def list_active_usage(*, session: Session) -> list[tuple[str, str, str, S | None, int, int]]:
    """(dag_id, task_id, pool, state, instances, pool slots) of the instances holding an
    executor slot (queued, running, deferred): the scheduler's limits and pools, in one read."""
    return [
        (dag_id, task_id, pool, state, int(count), int(slots or 0))
        for dag_id, task_id, pool, state, count, slots in session.execute(_ACTIVE_USAGE)
    ]


_ACTIVE_USAGE = (
    select(
        TaskInstanceRow.dag_id,
        TaskInstanceRow.task_id,
        TaskInstanceRow.pool,
        TaskInstanceRow.state,
        func.count(),
        func.sum(TaskInstanceRow.pool_slots),
    )
    .where(TaskInstanceRow.state.in_(sorted(ACTIVE_TASK_STATES)))
    .group_by(
        TaskInstanceRow.dag_id,
        TaskInstanceRow.task_id,
        TaskInstanceRow.pool,
        TaskInstanceRow.state,
    )
)
_COUNT_ACTIVE = (
    select(TaskInstanceRow.dag_id, TaskInstanceRow.task_id, func.count())
    .where(TaskInstanceRow.state.in_(sorted(ACTIVE_TASK_STATES)))
    .group_by(TaskInstanceRow.dag_id, TaskInstanceRow.task_id)
)
