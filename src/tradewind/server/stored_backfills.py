"""Backfills kept in the database (``POST /api/v2/backfills``), advanced by the scheduler.

Creating one plans its dates as ``tradewind dags backfill`` does (``server.backfill``), records
them, and starts the first ``max_active_runs`` runs. After that every scheduler's look for
runs calls :func:`advance_backfills`: while fewer than ``max_active_runs`` of a backfill's
runs are queued or running, its next dates are started (their run created, or their finished
run cleared per ``reprocess_behavior``); once every date is started and every run finished,
the backfill is completed. A paused backfill starts nothing new (the runs it started go on);
cancelling one completes it at once and fails the runs it started that have not begun.

The DAG's own ``max_active_runs`` still caps how many of all its runs the scheduler starts.
Only one backfill of a DAG may be unfinished at a time.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from tradewind.contracts.states import DagRunState
from tradewind.errors import TradewindError
from tradewind.server.backfill import (
    Action,
    BackfillDate,
    BackfillError,
    Reprocess,
    plan_backfill,
    start_backfill_date,
)
from tradewind.server.run_operations import set_dag_run_state
from tradewind.server.specs import SpecCache
from tradewind.storage.repos import backfills as backfill_repo
from tradewind.storage.repos import dags as dag_repo
from tradewind.storage.rows import BackfillDagRunRow, BackfillRow
from tradewind.storage.sql_store import SqlStore
from tradewind.timetables import DataInterval

__all__ = [
    "BackfillAlreadyRunningError",
    "BackfillCompletedError",
    "advance_backfill_row",
    "advance_backfills",
    "cancel_backfill",
    "create_backfill",
    "set_backfill_paused",
]

log = logging.getLogger(__name__)

#: Backfills advanced per look for runs, at most.
MAX_BACKFILLS_PER_STEP = 16


class BackfillAlreadyRunningError(BackfillError):
    """The DAG has a backfill that has not completed."""


class BackfillCompletedError(BackfillError):
    """The backfill completed (or was cancelled): it cannot change any more."""


def create_backfill(
    session: Session,
    specs: SpecCache,
    *,
    dag_id: str,
    from_date: datetime,
    to_date: datetime,
    run_backwards: bool = False,
    dag_run_conf: Mapping[str, Any] | None = None,
    reprocess: Reprocess = Reprocess.NONE,
    max_active_runs: int = 10,
    now: datetime,
) -> BackfillRow:
    """Plan and record a backfill, and start its first runs.

    Refused for a DAG without a time-based schedule, a paused DAG, a bad range or conf, and
    while the DAG has another backfill that has not completed.
    """
    running = backfill_repo.get_active_backfill(session=session, dag_id=dag_id)
    if running is not None:
        raise BackfillAlreadyRunningError(
            f"DAG {dag_id!r} has a backfill that has not completed (id {running.id}); wait "
            f"for it, or cancel it: PUT /api/v2/backfills/{running.id}/cancel."
        )
    plan = plan_backfill(
        session,
        specs,
        dag_id,
        start=from_date,
        end=to_date,
        reprocess=reprocess,
        max_active_runs=max_active_runs,
        conf=dag_run_conf,
        run_backwards=run_backwards,
        now=now,
    )
    dag = dag_repo.get_dag(session=session, dag_id=dag_id)
    if dag is not None and dag.is_paused and plan.run_ids:
        raise BackfillError(
            f"DAG {dag_id!r} is paused, so no scheduler would run its backfill runs; unpause "
            f'it first (PATCH /api/v2/dags/{dag_id} with {{"is_paused": false}}).'
        )
    backfill = backfill_repo.create_backfill(
        session=session,
        backfill=BackfillRow(
            dag_id=dag_id,
            from_date=from_date,
            to_date=to_date,
            dag_run_conf=dict(dag_run_conf or {}),
            is_paused=False,
            reprocess_behavior=str(reprocess),
            max_active_runs=plan.max_active_runs,
            run_backwards=run_backwards,
            created_at=now,
            updated_at=now,
            completed_at=None,
        ),
        dates=[
            BackfillDagRunRow(
                run_id=date.run_id,
                logical_date=date.logical_date,
                data_interval_start=date.data_interval.start,
                data_interval_end=date.data_interval.end,
                run_after=date.run_after,
                sort_ordinal=ordinal,
                action=str(date.action),
                exception_reason=date.reason,
            )
            for ordinal, date in enumerate(plan.dates)
        ],
    )
    advance_backfill_row(session, specs, backfill, now=now)
    return backfill


def _date(row: BackfillDagRunRow) -> BackfillDate:
    return BackfillDate(
        logical_date=row.logical_date,
        data_interval=DataInterval(row.data_interval_start, row.data_interval_end),
        run_after=row.run_after,
        run_id=row.run_id,
        action=Action(row.action),
        reason=row.exception_reason,
    )


def advance_backfill_row(
    session: Session,
    specs: SpecCache,
    backfill: BackfillRow,
    *,
    now: datetime,
    store: SqlStore | None = None,
) -> list[str]:
    """Start the backfill's next dates while slots are free; complete it when all are done.

    Returns the run ids started (created or cleared).
    """
    active = backfill_repo.list_backfill_run_ids(session=session, backfill=backfill)
    free = backfill.max_active_runs - len(active)
    pending = (
        backfill_repo.list_pending_backfill_dates(
            session=session, backfill_id=backfill.id, limit=free
        )
        if free > 0
        else []
    )
    started: list[str] = []
    if pending:
        spec = specs.latest(session, backfill.dag_id)
        if spec is None:
            raise BackfillError(
                f"DAG {backfill.dag_id!r} has no recorded version; it cannot be backfilled."
            )
        for row in pending:
            if start_backfill_date(
                session, specs, spec, _date(row), conf=backfill.dag_run_conf, now=now, store=store
            ):
                started.append(row.run_id)
        backfill_repo.update_backfill_dates_started(
            session=session, ids=[row.id for row in pending], now=now
        )
    elif not active:  # nothing pending (there are free slots) and nothing running: done
        backfill_repo.update_backfill(session=session, backfill=backfill, now=now, completed_at=now)
    return started


def advance_backfills(
    session: Session, specs: SpecCache, now: datetime, store: SqlStore | None = None
) -> list[str]:
    """The scheduler's periodic work: advance every backfill neither paused nor completed.

    A backfill that cannot go on (its DAG lost every version) is completed, with a warning,
    rather than failing the scheduler's step again and again.
    """
    started: list[str] = []
    for backfill in backfill_repo.list_backfills_to_advance(
        session=session, limit=MAX_BACKFILLS_PER_STEP
    ):
        try:  # what can fail is checked before anything is written
            started += advance_backfill_row(session, specs, backfill, now=now, store=store)
        except TradewindError as error:
            log.warning("Backfill %d of %s cannot go on: %s", backfill.id, backfill.dag_id, error)
            backfill_repo.update_backfill(
                session=session, backfill=backfill, now=now, completed_at=now
            )
    return started


def _changeable(backfill: BackfillRow) -> None:
    if backfill.completed_at is not None:
        raise BackfillCompletedError(
            f"Backfill {backfill.id} of {backfill.dag_id!r} has completed "
            f"({backfill.completed_at.isoformat()}); create a new one to run more dates."
        )


def set_backfill_paused(
    session: Session, backfill: BackfillRow, *, paused: bool, now: datetime
) -> BackfillRow:
    """Pause (no new runs start) or unpause a backfill that has not completed."""
    _changeable(backfill)
    backfill_repo.update_backfill(session=session, backfill=backfill, now=now, is_paused=paused)
    return backfill


def cancel_backfill(
    session: Session, specs: SpecCache, backfill: BackfillRow, *, now: datetime
) -> BackfillRow:
    """Complete the backfill now: no new runs start, and its runs still queued are failed
    (running ones finish)."""
    _changeable(backfill)
    backfill_repo.update_backfill(
        session=session, backfill=backfill, now=now, is_paused=True, completed_at=now
    )
    queued = backfill_repo.list_backfill_run_ids(
        session=session, backfill=backfill, states=[DagRunState.QUEUED]
    )
    for run_id in queued:
        set_dag_run_state(session, specs, backfill.dag_id, run_id, DagRunState.FAILED, now=now)
    return backfill
