"""``/api/v2/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances``: list and read task
instances, mapped instances and tries (marking and clearing: ``task_instance_changes``).

``~`` as the dag_id and run id lists the task instances of every DAG (run) the user may read.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query
from pydantic import Field
from sqlalchemy.orm import Session

from tradewind.api.auth.roles import AuthUser, Permission
from tradewind.api.deps import ApiState, CurrentUser, DbSession, State
from tradewind.api.errors import error_responses
from tradewind.api.lookups import (
    ALL,
    check_task,
    get_dag_row,
    get_run_row,
    readable_dag_ids,
    run_spec,
    ti_reads,
    version_reads,
)
from tradewind.api.params import (
    INT_MAX,
    NO_STATE,
    DateRanges,
    MapIndexPath,
    MapIndexQuery,
    TryNumberPath,
    bounds_of,
    parse_order_by,
    parse_states,
    values_of,
)
from tradewind.api.schemas.task_instances import (
    TaskInstanceCollectionRead,
    TaskInstanceHistoryCollectionRead,
    TaskInstanceHistoryRead,
    TaskInstanceRead,
)
from tradewind.api.serialize import current_try_read, task_try_read
from tradewind.contracts.states import TaskInstanceState
from tradewind.storage.repos import listing

#: Every route here names a DAG, a run or a task instance that may not exist.
router = APIRouter(prefix="/api/v2", tags=["Task Instance"], responses=error_responses(404))

_PREFIX = "/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances"


class TaskInstanceQuery(DateRanges):
    """The query parameters of the task instance lists."""

    limit: int = Field(50, ge=0, le=2**53)
    offset: int = Field(0, ge=0, le=2**53)
    task_id: str | None = Field(None, max_length=250)
    state: list[str] = Field(
        default_factory=list, json_schema_extra=values_of(TaskInstanceState, *NO_STATE)
    )
    pool: list[str] = Field(default_factory=list)
    queue: list[str] = Field(default_factory=list)
    operator: list[str] = Field(default_factory=list)
    try_number: list[Annotated[int, Field(ge=0, le=INT_MAX)]] = Field(default_factory=list)
    order_by: list[str] = Field(default_factory=list)


def _page(
    state: ApiState,
    session: Session,
    query: TaskInstanceQuery,
    *,
    dag_ids: set[str] | None,
    run_id: str | None,
    task_id: str | None,
    mapped_only: bool = False,
) -> TaskInstanceCollectionRead:
    rows, total = listing.list_task_instance_page(
        session=session,
        dag_ids=dag_ids,
        run_id=run_id,
        task_id=task_id,
        mapped_only=mapped_only,
        states=parse_states(query.state, TaskInstanceState),
        pools=query.pool,
        queues=query.queue,
        operators=query.operator,
        try_numbers=query.try_number,
        bounds=bounds_of(query),
        order_by=parse_order_by(
            query.order_by, listing.TI_ORDER_FIELDS, default=(("map_index", False),)
        ),
        limit=state.page_limit(query.limit),
        offset=query.offset,
    )
    return TaskInstanceCollectionRead(task_instances=ti_reads(session, rows), total_entries=total)


@router.get(
    _PREFIX,
    response_model=TaskInstanceCollectionRead,
    summary="Get Task Instances",
    responses=error_responses(400),
)
def get_task_instances(
    dag_id: str,
    dag_run_id: str,
    query: Annotated[TaskInstanceQuery, Query()],
    state: State,
    session: DbSession,
    user: CurrentUser,
) -> TaskInstanceCollectionRead:
    dag_ids = readable_dag_ids(state, session, user, dag_id)
    run_id = None if dag_run_id == ALL else dag_run_id
    if dag_id != ALL and run_id is not None:
        get_run_row(session, dag_id, run_id)
    return _page(state, session, query, dag_ids=dag_ids, run_id=run_id, task_id=query.task_id)


def _one(
    state: ApiState,
    session: Session,
    user: AuthUser,
    dag_id: str,
    run_id: str,
    task_id: str,
    map_index: int,
) -> Any:
    """``(TaskInstanceRow, logical_date, run_after, dag_version_id)`` or 404."""
    state.access.require(session, user, dag_id, Permission.DAGS_READ)
    row = listing.get_task_instance_with_run(
        session=session, dag_id=dag_id, run_id=run_id, task_id=task_id, map_index=map_index
    )
    if row is not None:
        return row
    get_run_row(session, dag_id, run_id)
    if map_index == -1:
        mapped, _ = listing.list_task_instance_page(
            session=session, dag_ids=[dag_id], run_id=run_id, task_id=task_id, limit=1
        )
        if mapped:
            raise HTTPException(
                404,
                f"Task instance {task_id!r} is mapped: add its map_index to the URL "
                f"(.../taskInstances/{task_id}/{{map_index}}) or list them with "
                f".../taskInstances/{task_id}/listMapped.",
            )
    raise HTTPException(
        404,
        f"The Task Instance with dag_id: {dag_id!r}, run_id: {run_id!r}, task_id: {task_id!r} "
        f"and map_index: {map_index} was not found",
    )


@router.get(
    _PREFIX + "/{task_id}/listMapped",
    response_model=TaskInstanceCollectionRead,
    summary="Get Mapped Task Instances",
    responses=error_responses(400),
)
def get_mapped_task_instances(
    dag_id: str,
    dag_run_id: str,
    task_id: str,
    query: Annotated[TaskInstanceQuery, Query()],
    state: State,
    session: DbSession,
    user: CurrentUser,
) -> TaskInstanceCollectionRead:
    """The expanded instances (map index 0 and up) of a mapped task in a run."""
    get_dag_row(state, session, user, dag_id, Permission.DAGS_READ)
    run = get_run_row(session, dag_id, dag_run_id)
    check_task(run_spec(state, session, run), [task_id])
    return _page(
        state,
        session,
        query,
        dag_ids={dag_id},
        run_id=dag_run_id,
        task_id=task_id,
        mapped_only=True,
    )


def _tries(
    state: ApiState,
    session: Session,
    user: AuthUser,
    dag_id: str,
    run_id: str,
    task_id: str,
    map_index: int,
) -> list[TaskInstanceHistoryRead]:
    ti, _, _, version_id = _one(state, session, user, dag_id, run_id, task_id, map_index)
    names = listing.list_dag_display_names(session=session, dag_ids=[dag_id])
    version = version_reads(session, [version_id], names).get(version_id)
    name = names.get(dag_id, dag_id)
    history = listing.list_task_tries(
        session=session, dag_id=dag_id, run_id=run_id, task_id=task_id, map_index=map_index
    )
    # Earlier tries from the history; the current one (finished or not) from the instance.
    reads = [
        task_try_read(attempt, ti=ti, dag_version=version, dag_display_name=name)
        for attempt in history
        if attempt.try_number < ti.try_number
    ]
    if ti.try_number > 0:
        reads.append(current_try_read(ti, dag_version=version, dag_display_name=name))
    return reads


@router.get(
    _PREFIX + "/{task_id}/tries",
    response_model=TaskInstanceHistoryCollectionRead,
    summary="Get Task Instance Tries",
)
def get_task_instance_tries(
    dag_id: str,
    dag_run_id: str,
    task_id: str,
    state: State,
    session: DbSession,
    user: CurrentUser,
    map_index: MapIndexQuery = -1,
) -> TaskInstanceHistoryCollectionRead:
    reads = _tries(state, session, user, dag_id, dag_run_id, task_id, map_index)
    return TaskInstanceHistoryCollectionRead(task_instances=reads, total_entries=len(reads))


def _try(
    reads: list[TaskInstanceHistoryRead], task_id: str, try_number: int
) -> TaskInstanceHistoryRead:
    for read in reads:
        if read.try_number == try_number:
            return read
    raise HTTPException(
        404, f"Task {task_id!r} has no try {try_number}; its tries are numbered from 1."
    )


@router.get(
    _PREFIX + "/{task_id}/tries/{task_try_number}",
    response_model=TaskInstanceHistoryRead,
    summary="Get Task Instance Try Details",
)
def get_task_instance_try_details(
    dag_id: str,
    dag_run_id: str,
    task_id: str,
    task_try_number: TryNumberPath,
    state: State,
    session: DbSession,
    user: CurrentUser,
    map_index: MapIndexQuery = -1,
) -> TaskInstanceHistoryRead:
    reads = _tries(state, session, user, dag_id, dag_run_id, task_id, map_index)
    return _try(reads, task_id, task_try_number)


@router.get(
    _PREFIX + "/{task_id}/{map_index}/tries",
    response_model=TaskInstanceHistoryCollectionRead,
    summary="Get Mapped Task Instance Tries",
)
def get_mapped_task_instance_tries(
    dag_id: str,
    dag_run_id: str,
    task_id: str,
    map_index: MapIndexPath,
    state: State,
    session: DbSession,
    user: CurrentUser,
) -> TaskInstanceHistoryCollectionRead:
    reads = _tries(state, session, user, dag_id, dag_run_id, task_id, map_index)
    return TaskInstanceHistoryCollectionRead(task_instances=reads, total_entries=len(reads))


@router.get(
    _PREFIX + "/{task_id}/{map_index}/tries/{task_try_number}",
    response_model=TaskInstanceHistoryRead,
    summary="Get Mapped Task Instance Try Details",
)
def get_mapped_task_instance_try_details(
    dag_id: str,
    dag_run_id: str,
    task_id: str,
    map_index: MapIndexPath,
    task_try_number: TryNumberPath,
    state: State,
    session: DbSession,
    user: CurrentUser,
) -> TaskInstanceHistoryRead:
    reads = _tries(state, session, user, dag_id, dag_run_id, task_id, map_index)
    return _try(reads, task_id, task_try_number)


@router.get(
    _PREFIX + "/{task_id}/{map_index}",
    response_model=TaskInstanceRead,
    summary="Get Mapped Task Instance",
)
def get_mapped_task_instance(
    dag_id: str,
    dag_run_id: str,
    task_id: str,
    map_index: MapIndexPath,
    state: State,
    session: DbSession,
    user: CurrentUser,
) -> TaskInstanceRead:
    row = _one(state, session, user, dag_id, dag_run_id, task_id, map_index)
    return ti_reads(session, [row])[0]


@router.get(_PREFIX + "/{task_id}", response_model=TaskInstanceRead, summary="Get Task Instance")
def get_task_instance(
    dag_id: str,
    dag_run_id: str,
    task_id: str,
    state: State,
    session: DbSession,
    user: CurrentUser,
) -> TaskInstanceRead:
    row = _one(state, session, user, dag_id, dag_run_id, task_id, -1)
    return ti_reads(session, [row])[0]
