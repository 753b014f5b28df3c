"""DAG runs, as the scheduler and the API read them.

Runs are created and their state changed through ``SqlStore`` (``DagRunDriver``); this
module finds the runs to work on and answers questions about sets of runs.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from tradewind.contracts.runs import DagRunType
from tradewind.contracts.states import DagRunState
from tradewind.storage.repos._locking import skip_locked
from tradewind.storage.rows import DagRow, DagRunRow

#: Runs that a timetable created: the next scheduled run follows the latest of them.
AUTOMATED_RUN_TYPES = (DagRunType.SCHEDULED, DagRunType.BACKFILL)


def get_dag_run(*, session: Session, dag_id: str, run_id: str) -> DagRunRow | None:
    return session.scalars(
        select(DagRunRow).where(DagRunRow.dag_id == dag_id, DagRunRow.run_id == run_id)
    ).first()


def list_dag_runs(
    *,
    session: Session,
    dag_id: str | None = None,
    states: Collection[DagRunState] | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[DagRunRow]:
    """Runs, newest first (by ``run_after``, then creation)."""
    stmt = select(DagRunRow).order_by(DagRunRow.run_after.desc(), DagRunRow.id.desc())
    if dag_id is not None:
        stmt = stmt.where(DagRunRow.dag_id == dag_id)
    if states is not None:
        stmt = stmt.where(DagRunRow.state.in_(list(states)))
    return list(session.scalars(stmt.offset(offset).limit(limit)))


def _of_unpaused_dags(state: DagRunState) -> Any:
    return (
        select(DagRunRow)
        .join(DagRow, DagRow.dag_id == DagRunRow.dag_id)
        .where(DagRunRow.state == state, ~DagRow.is_paused)
    )


def list_dag_runs_to_plan(*, session: Session, limit: int, lock: bool = True) -> list[DagRunRow]:
    """Running runs of unpaused DAGs, least recently planned first, claimed (skip locked).

    Mark them with :func:`update_last_scheduling_decision` so the next claim moves on.
    """
    stmt = (
        _of_unpaused_dags(DagRunState.RUNNING)
        .order_by(
            DagRunRow.last_scheduling_decision.asc().nulls_first(),
            DagRunRow.run_after,
            DagRunRow.id,
        )
        .limit(limit)
    )
    return list(session.scalars(skip_locked(stmt, lock=lock, of=DagRunRow)))


def list_dag_runs_to_start(
    *, session: Session, now: datetime, limit: int, lock: bool = True
) -> list[DagRunRow]:
    """Queued runs of unpaused DAGs that may start now, oldest first, claimed (skip locked).

    The caller checks each DAG's ``max_active_runs`` (:func:`count_dag_runs`).
    """
    stmt = (
        _of_unpaused_dags(DagRunState.QUEUED)
        .where(DagRunRow.run_after <= now)
        .order_by(DagRunRow.run_after, DagRunRow.id)
        .limit(limit)
    )
    return list(session.scalars(skip_locked(stmt, lock=lock, of=DagRunRow)))


def update_last_scheduling_decision(
    *, session: Session, run_ids: Collection[int], when: datetime
) -> None:
    """Record that the runs (by ``DagRunRow.id``) were planned at ``when``."""
    if run_ids:
        session.execute(
            update(DagRunRow)
            .where(DagRunRow.id.in_(list(run_ids)))
            .values(last_scheduling_decision=when)
        )


def count_dag_runs(
    *, session: Session, dag_ids: Collection[str], states: Collection[DagRunState]
) -> dict[str, int]:
    """dag_id → number of its runs in ``states`` (DAGs without any are left out)."""
    rows = session.execute(
        select(DagRunRow.dag_id, func.count())
        .where(DagRunRow.dag_id.in_(list(dag_ids)), DagRunRow.state.in_(list(states)))
        .group_by(DagRunRow.dag_id)
    )
    return {row[0]: row[1] for row in rows}


def list_latest_automated_runs(
    *, session: Session, dag_ids: Collection[str]
) -> dict[str, DagRunRow]:
    """dag_id → its scheduled or backfill run with the latest logical date."""
    latest = (
        select(DagRunRow.dag_id, func.max(DagRunRow.logical_date).label("logical_date"))
        .where(
            DagRunRow.dag_id.in_(list(dag_ids)),
            DagRunRow.run_type.in_(AUTOMATED_RUN_TYPES),
            DagRunRow.logical_date.is_not(None),
        )
        .group_by(DagRunRow.dag_id)
        .subquery()
    )
    stmt = select(DagRunRow).join(
        latest,
        (DagRunRow.dag_id == latest.c.dag_id) & (DagRunRow.logical_date == latest.c.logical_date),
    )
    return {row.dag_id: row for row in session.scalars(stmt)}
