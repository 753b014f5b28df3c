"""``/api/v2/backfills``: create (or preview) a backfill, list and read them, pause, unpause
and cancel one.

A backfill runs the DAG for every date of its schedule in ``[from_date, to_date]``; the
scheduler starts its runs as earlier ones finish, at most ``max_active_runs`` at a time
(``server.stored_backfills``). Reading needs read access to the DAG; everything else the
right to trigger its runs.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query
from sqlalchemy.orm import Session

from tradewind.api.auth.roles import AuthUser, Permission
from tradewind.api.deps import ApiState, CurrentUser, DbSession, State
from tradewind.api.errors import error_responses
from tradewind.api.lookups import get_dag_row
from tradewind.api.params import INT_MAX, Limit, Offset, OrderByList, parse_order_by
from tradewind.api.schemas.backfills import (
    BackfillCollectionRead,
    BackfillCreate,
    BackfillRead,
    DryRunBackfillCollectionRead,
    DryRunBackfillRead,
)
from tradewind.server import stored_backfills
from tradewind.server.backfill import Action, Reprocess, plan_backfill
from tradewind.storage.repos import backfills as backfill_repo
from tradewind.storage.repos import listing
from tradewind.storage.rows import BackfillRow

router = APIRouter(prefix="/api/v2", tags=["Backfill"])

BackfillIdPath = Annotated[int, Path(ge=0, le=INT_MAX)]


def _reads(session: Session, rows: list[BackfillRow]) -> list[BackfillRead]:
    names = listing.list_dag_display_names(session=session, dag_ids={row.dag_id for row in rows})
    return [
        BackfillRead(
            id=row.id,
            dag_id=row.dag_id,
            from_date=row.from_date,
            to_date=row.to_date,
            dag_run_conf=row.dag_run_conf,
            is_paused=row.is_paused,
            reprocess_behavior=row.reprocess_behavior,  # type: ignore[arg-type]
            max_active_runs=row.max_active_runs,
            created_at=row.created_at,
            completed_at=row.completed_at,
            updated_at=row.updated_at,
            dag_display_name=names.get(row.dag_id, row.dag_id),
        )
        for row in rows
    ]


def _backfill(
    state: ApiState,
    session: Session,
    user: AuthUser,
    backfill_id: int,
    permission: Permission,
    *,
    lock: bool = False,
) -> BackfillRow:
    """The backfill, if the user may do ``permission`` to its DAG: 404 or 403 otherwise."""
    row = backfill_repo.get_backfill(session=session, backfill_id=backfill_id, lock=lock)
    if row is None:
        raise HTTPException(404, f"Could not find the backfill with id {backfill_id}")
    state.access.require(session, user, row.dag_id, permission)
    return row


def _checked(body: BackfillCreate) -> None:
    if body.run_on_latest_version is False:
        raise HTTPException(
            400,
            "run_on_latest_version=false is not supported: backfill runs run the DAG's "
            "latest version; leave it out.",
        )


@router.get(
    "/backfills",
    response_model=BackfillCollectionRead,
    responses=error_responses(404),
    summary="List Backfills",
)
def list_backfills(
    dag_id: Annotated[str, Query(max_length=250)],
    state: State,
    session: DbSession,
    user: CurrentUser,
    limit: Limit = 50,
    offset: Offset = 0,
    order_by: OrderByList = None,
) -> BackfillCollectionRead:
    """The DAG's backfills (``dag_id`` is required)."""
    get_dag_row(state, session, user, dag_id, Permission.DAGS_READ)
    rows, total = backfill_repo.list_backfill_page(
        session=session,
        dag_id=dag_id,
        order_by=parse_order_by(
            order_by, backfill_repo.BACKFILL_ORDER_FIELDS, default=(("id", False),)
        ),
        limit=state.page_limit(limit),
        offset=offset,
    )
    return BackfillCollectionRead(backfills=_reads(session, rows), total_entries=total)


@router.post(
    "/backfills",
    response_model=BackfillRead,
    responses=error_responses(404, 409),
    summary="Create Backfill",
)
def create_backfill(
    body: BackfillCreate, state: State, session: DbSession, user: CurrentUser
) -> BackfillRead:
    """Plan the backfill and start its first runs; the scheduler starts the rest."""
    _checked(body)
    get_dag_row(state, session, user, body.dag_id, Permission.RUNS_TRIGGER)
    try:
        row = stored_backfills.create_backfill(
            session,
            state.specs,
            dag_id=body.dag_id,
            from_date=body.from_date,
            to_date=body.to_date,
            run_backwards=body.run_backwards,
            dag_run_conf=body.dag_run_conf,
            reprocess=Reprocess(body.reprocess_behavior),
            max_active_runs=body.max_active_runs,
            now=state.clock(),
        )
    except stored_backfills.BackfillAlreadyRunningError as error:
        raise HTTPException(409, str(error)) from None
    session.commit()
    return _reads(session, [row])[0]


@router.post(
    "/backfills/dry_run",
    responses=error_responses(404),
    response_model=DryRunBackfillCollectionRead,
    summary="Create Backfill Dry Run",
)
def create_backfill_dry_run(
    body: BackfillCreate, state: State, session: DbSession, user: CurrentUser
) -> DryRunBackfillCollectionRead:
    """The logical dates a backfill would run (created, or cleared to run again), in the
    order it would run them; changes nothing."""
    _checked(body)
    get_dag_row(state, session, user, body.dag_id, Permission.RUNS_TRIGGER)
    plan = plan_backfill(
        session,
        state.specs,
        body.dag_id,
        start=body.from_date,
        end=body.to_date,
        reprocess=Reprocess(body.reprocess_behavior),
        max_active_runs=body.max_active_runs,
        conf=body.dag_run_conf,
        run_backwards=body.run_backwards,
        now=state.clock(),
    )
    reads = [
        DryRunBackfillRead(logical_date=date.logical_date)
        for date in plan.dates
        if date.action is not Action.SKIP
    ]
    return DryRunBackfillCollectionRead(backfills=reads, total_entries=len(reads))


@router.get(
    "/backfills/{backfill_id}",
    response_model=BackfillRead,
    summary="Get Backfill",
    responses=error_responses(404),
)
def get_backfill(
    backfill_id: BackfillIdPath, state: State, session: DbSession, user: CurrentUser
) -> BackfillRead:
    row = _backfill(state, session, user, backfill_id, Permission.DAGS_READ)
    return _reads(session, [row])[0]


def _change(
    state: ApiState, session: Session, user: AuthUser, backfill_id: int, change: str
) -> BackfillRead:
    row = _backfill(state, session, user, backfill_id, Permission.RUNS_TRIGGER, lock=True)
    now = state.clock()
    try:
        if change == "cancel":
            stored_backfills.cancel_backfill(session, state.specs, row, now=now)
        else:
            stored_backfills.set_backfill_paused(session, row, paused=change == "pause", now=now)
    except stored_backfills.BackfillCompletedError as error:
        raise HTTPException(409, str(error)) from None
    session.commit()
    return _reads(session, [row])[0]


@router.put(
    "/backfills/{backfill_id}/pause",
    responses=error_responses(404, 409),
    response_model=BackfillRead,
    summary="Pause Backfill",
)
def pause_backfill(
    backfill_id: BackfillIdPath, state: State, session: DbSession, user: CurrentUser
) -> BackfillRead:
    """Start no new runs of the backfill (those started go on) until it is unpaused."""
    return _change(state, session, user, backfill_id, "pause")


@router.put(
    "/backfills/{backfill_id}/unpause",
    responses=error_responses(404, 409),
    response_model=BackfillRead,
    summary="Unpause Backfill",
)
def unpause_backfill(
    backfill_id: BackfillIdPath, state: State, session: DbSession, user: CurrentUser
) -> BackfillRead:
    return _change(state, session, user, backfill_id, "unpause")


@router.put(
    "/backfills/{backfill_id}/cancel",
    responses=error_responses(404, 409),
    response_model=BackfillRead,
    summary="Cancel Backfill",
)
def cancel_backfill(
    backfill_id: BackfillIdPath, state: State, session: DbSession, user: CurrentUser
) -> BackfillRead:
    """Complete the backfill now: its runs not started yet are failed, running ones finish."""
    return _change(state, session, user, backfill_id, "cancel")
