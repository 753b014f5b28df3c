"""``/api/v1/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances`` (Airflow 2's paths): list and
read task instances, mapped ones included.

Each route calls its ``/api/v2`` counterpart (v1's ``execution_date`` filters are v2's
``logical_date``) and reshapes the answer (``v1_shapes``).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query
from pydantic import AwareDatetime, BaseModel, Field

from tradewind.api.deps import CurrentUser, DbSession, State
from tradewind.api.errors import error_responses
from tradewind.api.params import NO_STATE, MapIndexPath, unsupported, values_of
from tradewind.api.routers import task_instances as v2
from tradewind.api.routers.v1_shapes import task_instance_v1, v2_model, v2_order_by
from tradewind.api.schemas.task_instances import TaskInstanceCollectionRead
from tradewind.api.schemas.v1 import TaskInstanceCollectionReadV1, TaskInstanceReadV1
from tradewind.contracts.states import TaskInstanceState

router = APIRouter(prefix="/api/v1", tags=["TaskInstance (v1)"])

_PREFIX = "/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances"


class TaskInstanceQueryV1(BaseModel):
    """The query parameters of v1's task instance lists."""

    limit: int = Field(100, ge=0, le=2**53)
    offset: int = Field(0, ge=0, le=2**53)
    execution_date_gte: AwareDatetime | None = None
    execution_date_lte: AwareDatetime | None = None
    start_date_gte: AwareDatetime | None = None
    start_date_lte: AwareDatetime | None = None
    end_date_gte: AwareDatetime | None = None
    end_date_lte: AwareDatetime | None = None
    updated_at_gte: AwareDatetime | None = None
    updated_at_lte: AwareDatetime | None = None
    duration_gte: float | None = None
    duration_lte: float | None = None
    state: list[str] = Field(
        default_factory=list, json_schema_extra=values_of(TaskInstanceState, *NO_STATE)
    )
    pool: list[str] = Field(default_factory=list)
    queue: list[str] = Field(default_factory=list)
    executor: list[str] = Field(default_factory=list)
    order_by: str | None = Field(None, max_length=200)


def _v2_query(query: TaskInstanceQueryV1) -> v2.TaskInstanceQuery:
    unsupported(query, ("updated_at_gte", "updated_at_lte", "duration_gte", "duration_lte"))
    if query.executor:
        raise HTTPException(400, "executor is not supported yet: leave it out.")
    return v2_model(
        v2.TaskInstanceQuery,
        limit=query.limit,
        offset=query.offset,
        state=query.state,
        pool=query.pool,
        queue=query.queue,
        order_by=v2_order_by(query.order_by),
        logical_date_gte=query.execution_date_gte,
        logical_date_lte=query.execution_date_lte,
        start_date_gte=query.start_date_gte,
        start_date_lte=query.start_date_lte,
        end_date_gte=query.end_date_gte,
        end_date_lte=query.end_date_lte,
    )


def _page(page: TaskInstanceCollectionRead) -> TaskInstanceCollectionReadV1:
    return TaskInstanceCollectionReadV1(
        task_instances=[task_instance_v1(ti) for ti in page.task_instances],
        total_entries=page.total_entries,
    )


@router.get(
    _PREFIX,
    response_model=TaskInstanceCollectionReadV1,
    summary="List task instances (v1)",
    responses=error_responses(404),
)
def get_task_instances_v1(
    dag_id: str,
    dag_run_id: str,
    query: Annotated[TaskInstanceQueryV1, Query()],
    state: State,
    session: DbSession,
    user: CurrentUser,
) -> TaskInstanceCollectionReadV1:
    """The run's task instances (``~`` for the DAG or the run: every one the user may read)."""
    page = v2.get_task_instances(
        dag_id=dag_id,
        dag_run_id=dag_run_id,
        query=_v2_query(query),
        state=state,
        session=session,
        user=user,
    )
    return _page(page)


@router.get(
    _PREFIX + "/{task_id}/listMapped",
    response_model=TaskInstanceCollectionReadV1,
    summary="List mapped task instances (v1)",
    responses=error_responses(404),
)
def get_mapped_task_instances_v1(
    dag_id: str,
    dag_run_id: str,
    task_id: str,
    query: Annotated[TaskInstanceQueryV1, Query()],
    state: State,
    session: DbSession,
    user: CurrentUser,
) -> TaskInstanceCollectionReadV1:
    page = v2.get_mapped_task_instances(
        dag_id=dag_id,
        dag_run_id=dag_run_id,
        task_id=task_id,
        query=_v2_query(query),
        state=state,
        session=session,
        user=user,
    )
    return _page(page)


@router.get(
    _PREFIX + "/{task_id}/{map_index}",
    response_model=TaskInstanceReadV1,
    summary="Get a mapped task instance (v1)",
    responses=error_responses(404),
)
def get_mapped_task_instance_v1(
    dag_id: str,
    dag_run_id: str,
    task_id: str,
    map_index: MapIndexPath,
    state: State,
    session: DbSession,
    user: CurrentUser,
) -> TaskInstanceReadV1:
    read = v2.get_mapped_task_instance(
        dag_id=dag_id,
        dag_run_id=dag_run_id,
        task_id=task_id,
        map_index=map_index,
        state=state,
        session=session,
        user=user,
    )
    return task_instance_v1(read)


@router.get(
    _PREFIX + "/{task_id}",
    response_model=TaskInstanceReadV1,
    summary="Get a task instance (v1)",
    responses=error_responses(404),
)
def get_task_instance_v1(
    dag_id: str,
    dag_run_id: str,
    task_id: str,
    state: State,
    session: DbSession,
    user: CurrentUser,
) -> TaskInstanceReadV1:
    read = v2.get_task_instance(
        dag_id=dag_id,
        dag_run_id=dag_run_id,
        task_id=task_id,
        state=state,
        session=session,
        user=user,
    )
    return task_instance_v1(read)
