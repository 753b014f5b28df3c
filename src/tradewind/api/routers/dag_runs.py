"""``/api/v2/dags/{dag_id}/dagRuns``: list, trigger, read, mark, clear and delete runs.

``~`` as the dag_id lists the runs of every DAG the user may read.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query, Response
from pydantic import Field
from sqlalchemy.orm import Session

from tradewind.api.auth.roles import AuthUser, Permission
from tradewind.api.deps import ApiState, Credentials, CurrentUser, DbSession, State, user_of
from tradewind.api.errors import error_responses, invalid_field
from tradewind.api.fast_json import model_response
from tradewind.api.lookups import (
    ALL,
    get_dag_row,
    get_run_row,
    readable_dag_ids,
    require_dag,
    run_page_response,
    run_read,
    ti_reads_of_keys,
)
from tradewind.api.params import (
    DateRanges,
    bounds_of,
    parse_order_by,
    parse_states,
    unsupported,
    values_of,
)
from tradewind.api.schemas.dag_runs import (
    DagRunClear,
    DagRunCollectionRead,
    DagRunCreate,
    DagRunPatch,
    DagRunRead,
    DagRunsBatch,
)
from tradewind.api.schemas.task_instances import TaskInstanceCollectionRead
from tradewind.contracts.runs import DagRunType
from tradewind.contracts.states import DagRunState
from tradewind.server import run_operations, triggering
from tradewind.storage.repos import listing
from tradewind.storage.sql_store import SqlStore

router = APIRouter(prefix="/api/v2", tags=["DagRun"])


class DagRunQuery(DateRanges):
    """The query parameters of ``GET /dags/{dag_id}/dagRuns``."""

    limit: int = Field(50, ge=0, le=2**53)
    offset: int = Field(0, ge=0, le=2**53)
    state: list[str] = Field(default_factory=list, json_schema_extra=values_of(DagRunState))
    run_type: list[str] = Field(default_factory=list, json_schema_extra=values_of(DagRunType))
    run_id_pattern: str | None = Field(None, max_length=1000)
    order_by: list[str] = Field(default_factory=list)


def set_run_note(session: Session, dag_id: str, run_id: str, note: str | None) -> None:
    store = SqlStore(session)
    record = store.get_dag_run(dag_id, run_id)
    if record is not None:
        record.note = note
        store.save_dag_run(record)


def _run_types(values: list[str]) -> set[DagRunType] | None:
    if not values:
        return None
    try:
        return {DagRunType(value.strip().lower()) for value in values}
    except ValueError:
        raise invalid_field(
            ("query", "run_type"),
            f"Invalid value for run_type: {', '.join(values)}. Valid values are "
            f"{', '.join(member.value for member in DagRunType)}.",
            "enum",
        ) from None


def _run_states(values: Sequence[str | None] | None) -> set[DagRunState] | None:
    states = parse_states(values, DagRunState)
    if states is None:
        return None
    return {state for state in states if state is not None}


@router.get(
    "/dags/{dag_id}/dagRuns",
    response_model=DagRunCollectionRead,
    summary="Get Dag Runs",
    responses=error_responses(400, 404),
)
async def get_dag_runs(
    dag_id: str, query: Annotated[DagRunQuery, Query()], state: State, user: CurrentUser
) -> Response:
    """A page of the DAG's runs (``~``: of every DAG the user may read).

    The busiest list, served on the event loop (see ``loop_database``): its work is a page
    read and writing JSON (by ``fast_json``, not through the response model). Most of these
    requests never get here: ``api.fast_lane`` answers them with ``dag_run_page`` directly,
    so a check added to this route belongs in ``dag_run_page``.
    """
    with state.loop_db.session() as loop_session:
        return dag_run_page(state, loop_session, user, dag_id, query)


def dag_run_page(
    state: ApiState, session: Session, user: AuthUser, dag_id: str, query: DagRunQuery
) -> Response:
    """The JSON response of a page of the DAG's runs (``~``: of every DAG ``user`` may read)."""
    dag_ids = readable_dag_ids(state, session, user, dag_id, must_exist=False)
    rows, total, _ = _run_page(state, session, dag_ids, query)
    if not rows and dag_id != ALL:
        # A DAG's runs go when it goes: only a page without runs needs to ask if it exists.
        require_dag(session, dag_id)
    return run_page_response(rows, total)


def dag_run_page_for(
    state: ApiState, session: Session, credentials: Credentials, dag_id: str, query: DagRunQuery
) -> Response | None:
    """``dag_run_page`` of one DAG (not ``~``) with the caller's user read in the page's
    statement: one statement for the whole request. None leaves the request to
    ``dag_run_page``: a page without runs, a user gone or changed, or a DAG the user may
    not read."""
    page = _run_page(state, session, {dag_id}, query, identity_of=credentials.user_id)
    user = user_of(page.identity, credentials)
    if user is None or not state.access.allows(session, user, dag_id, Permission.DAGS_READ):
        return None
    return run_page_response(page.rows, page.total)


def _run_page(
    state: ApiState,
    session: Session,
    dag_ids: set[str] | None,
    query: DagRunQuery,
    identity_of: int | None = None,
) -> listing.RunPage:
    return listing.list_dag_run_page(
        session=session,
        dag_ids=dag_ids,
        states=_run_states(query.state),
        run_types=_run_types(query.run_type),
        run_id_pattern=query.run_id_pattern,
        bounds=bounds_of(query),
        order_by=parse_order_by(query.order_by, listing.RUN_ORDER_FIELDS, default=(("id", False),)),
        limit=state.page_limit(query.limit),
        offset=query.offset,
        identity_of=identity_of,
    )


@router.post(
    "/dags/{dag_id}/dagRuns",
    response_model=DagRunRead,
    summary="Trigger Dag Run",
    responses=error_responses(400, 404, 409),
)
def trigger_dag_run(
    dag_id: str, body: DagRunCreate, state: State, session: DbSession, user: CurrentUser
) -> Response:
    """Queue a run of the DAG's latest version with ``conf`` (checked against its params).

    As in Airflow 3, a null ``logical_date`` makes a run without one (and without a data
    interval) whose ``run_after`` is now; its run id is made from ``run_after``.
    """
    return model_response(triggered_run(state, session, user, dag_id, body))


def triggered_run(
    state: ApiState, session: Session, user: AuthUser, dag_id: str, body: DagRunCreate
) -> DagRunRead:
    """The run ``body`` asks for, queued and committed (the v1 route shares it)."""
    get_dag_row(state, session, user, dag_id, Permission.RUNS_TRIGGER)
    for name in ("data_interval_start", "run_after", "partition_key"):
        if getattr(body, name) is not None:
            raise HTTPException(
                400,
                f"{name} is not supported yet: leave it out; the run's data interval is the "
                "one its timetable infers from logical_date.",
            )
    run = triggering.trigger_dag_run(
        session,
        state.specs,
        dag_id,
        now=state.clock(),
        run_id=body.dag_run_id,
        conf=body.conf,
        logical_date=body.logical_date,
        no_logical_date=body.logical_date is None,
        note=body.note,
    )
    # Read in the writing transaction: two round trips fewer than a new one after it.
    read = run_read(session, dag_id, run.run_id)
    session.commit()
    return read


@router.post(
    "/dags/{dag_id}/dagRuns/list",
    response_model=DagRunCollectionRead,
    summary="Get List Dag Runs Batch",
    responses=error_responses(400),
)
def get_list_dag_runs_batch(
    dag_id: Literal["~"],
    body: DagRunsBatch,
    state: State,
    session: DbSession,
    user: CurrentUser,
) -> Response:
    """Runs of several DAGs (``dag_ids``; all the user may read when left out)."""
    unsupported(
        body, ("duration_gte", "duration_gt", "duration_lte", "duration_lt", "conf_contains")
    )
    readable = state.access.readable_dag_ids(session, user)
    dag_ids: set[str] | None = set(body.dag_ids) if body.dag_ids is not None else None
    if readable is not None:
        dag_ids = readable if dag_ids is None else dag_ids & readable
    states = None
    if body.states is not None:
        states = {s for s in body.states if s is not None}
    rows, total, _ = listing.list_dag_run_page(
        session=session,
        dag_ids=dag_ids,
        states=states,
        bounds=bounds_of(body),
        order_by=parse_order_by(
            [body.order_by] if body.order_by else None,
            listing.RUN_ORDER_FIELDS,
            default=(("id", False),),
        ),
        limit=state.page_limit(body.page_limit),
        offset=body.page_offset,
    )
    return run_page_response(rows, total)


@router.get(
    "/dags/{dag_id}/dagRuns/{dag_run_id}",
    response_model=DagRunRead,
    summary="Get Dag Run",
    responses=error_responses(404),
)
def get_dag_run(
    dag_id: str, dag_run_id: str, state: State, session: DbSession, user: CurrentUser
) -> DagRunRead:
    state.access.require(session, user, dag_id, Permission.DAGS_READ)
    return run_read(session, dag_id, dag_run_id)


@router.patch(
    "/dags/{dag_id}/dagRuns/{dag_run_id}",
    response_model=DagRunRead,
    summary="Patch Dag Run",
    responses=error_responses(400, 404, 409),
)
def patch_dag_run(
    dag_id: str,
    dag_run_id: str,
    body: DagRunPatch,
    state: State,
    session: DbSession,
    user: CurrentUser,
    update_mask: Annotated[list[str] | None, Query()] = None,
) -> DagRunRead:
    """Mark a run success, failed or queued (as ``dags`` marking does), or set its note."""
    state.access.require(session, user, dag_id, Permission.RUNS_EDIT)
    fields = set(body.model_fields_set)
    if update_mask:
        unknown = sorted(set(update_mask) - {"state", "note"})
        if unknown:
            raise HTTPException(400, f"Invalid fields in update_mask: {', '.join(unknown)}")
        fields &= set(update_mask)
    get_run_row(session, dag_id, dag_run_id)
    if "state" in fields and body.state is not None:
        run_operations.set_dag_run_state(
            session, state.specs, dag_id, dag_run_id, DagRunState(body.state), now=state.clock()
        )
    if "note" in fields:
        set_run_note(session, dag_id, dag_run_id, body.note)
    read = run_read(session, dag_id, dag_run_id)
    session.commit()
    return read


@router.delete(
    "/dags/{dag_id}/dagRuns/{dag_run_id}",
    status_code=204,
    summary="Delete Dag Run",
    responses=error_responses(404),
)
def delete_dag_run(
    dag_id: str, dag_run_id: str, state: State, session: DbSession, user: CurrentUser
) -> Response:
    """Delete a run with its task instances, tries, XCom and log locations."""
    state.access.require(session, user, dag_id, Permission.RUNS_DELETE)
    if not listing.delete_dag_run(session=session, dag_id=dag_id, run_id=dag_run_id):
        raise HTTPException(
            404, f"The DagRun with dag_id: {dag_id!r} and run_id: {dag_run_id!r} was not found"
        )
    session.commit()
    return Response(status_code=204)


@router.post(
    "/dags/{dag_id}/dagRuns/{dag_run_id}/clear",
    response_model=TaskInstanceCollectionRead | DagRunRead,
    summary="Clear Dag Run",
    responses=error_responses(400, 404, 409),
)
def clear_dag_run(
    dag_id: str,
    dag_run_id: str,
    body: DagRunClear,
    state: State,
    session: DbSession,
    user: CurrentUser,
) -> TaskInstanceCollectionRead | DagRunRead:
    """Clear the run's task instances (only failed ones with ``only_failed``).

    ``dry_run`` (the default) changes nothing and lists the task instances it would clear.
    """
    state.access.require(session, user, dag_id, Permission.RUNS_EDIT)
    if body.only_new:
        raise HTTPException(400, "only_new is not supported yet: leave it false.")
    get_run_row(session, dag_id, dag_run_id)
    keys = run_operations.clear_task_instances(
        session,
        state.specs,
        dag_id,
        dag_run_id,
        None,
        only_failed=body.only_failed,
        dry_run=body.dry_run,
        now=state.clock(),
    )
    if body.dry_run:
        reads = ti_reads_of_keys(session, keys)
        return TaskInstanceCollectionRead(task_instances=reads, total_entries=len(reads))
    if body.note is not None:
        set_run_note(session, dag_id, dag_run_id, body.note)
    read = run_read(session, dag_id, dag_run_id)
    session.commit()
    return read
