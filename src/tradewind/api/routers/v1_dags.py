"""``/api/v1/dags`` (Airflow 2's paths): list, read, pause and delete DAGs; their tasks.

Each route calls its ``/api/v2`` counterpart and reshapes the answer (``v1_shapes``), so both
versions check, filter and fail alike. Route names end in ``_v1``: operation ids must be
unique in the one OpenAPI document, and v2 has Airflow 2's names already.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from tradewind.api.deps import CurrentUser, DbSession, State
from tradewind.api.errors import error_responses
from tradewind.api.params import Limit, Offset
from tradewind.api.routers import dags as v2
from tradewind.api.routers.v1_shapes import (
    dag_detail_v1,
    dag_v1,
    latest_specs,
    task_v1,
    v2_order_by,
)
from tradewind.api.schemas.dags import DagPatch
from tradewind.api.schemas.v1 import (
    DagCollectionReadV1,
    DagDetailReadV1,
    DagPatchV1,
    DagReadV1,
    TaskCollectionReadV1,
    TaskReadV1,
)

router = APIRouter(prefix="/api/v1", tags=["DAG (v1)"])


@router.get("/dags", response_model=DagCollectionReadV1, summary="List DAGs (v1)")
def get_dags_v1(
    state: State,
    session: DbSession,
    user: CurrentUser,
    limit: Limit = 100,
    offset: Offset = 0,
    order_by: Annotated[str | None, Query(max_length=200)] = None,
    tags: Annotated[list[str] | None, Query()] = None,
    only_active: bool = True,
    paused: bool | None = None,
    dag_id_pattern: Annotated[str | None, Query(max_length=1000)] = None,
) -> DagCollectionReadV1:
    """DAGs the user may read; ``only_active`` (default) leaves out DAGs whose file is gone."""
    page = v2.get_dags(
        state=state,
        session=session,
        user=user,
        limit=limit,
        offset=offset,
        tags=tags,
        dag_id_pattern=dag_id_pattern,
        exclude_stale=only_active,
        paused=paused,
        order_by=v2_order_by(order_by),
    )
    specs = latest_specs(state, session, [dag.dag_id for dag in page.dags])
    return DagCollectionReadV1(
        dags=[dag_v1(dag, specs.get(dag.dag_id)) for dag in page.dags],
        total_entries=page.total_entries,
    )


@router.get(
    "/dags/{dag_id}",
    response_model=DagReadV1,
    summary="Get basic information about a DAG (v1)",
    responses=error_responses(404),
)
def get_dag_v1(dag_id: str, state: State, session: DbSession, user: CurrentUser) -> DagReadV1:
    read = v2.get_dag(dag_id=dag_id, state=state, session=session, user=user)
    return dag_v1(read, latest_specs(state, session, [dag_id]).get(dag_id))


@router.get(
    "/dags/{dag_id}/details",
    responses=error_responses(404),
    response_model=DagDetailReadV1,
    summary="Get a simplified representation of DAG (v1)",
)
def get_dag_details_v1(
    dag_id: str, state: State, session: DbSession, user: CurrentUser
) -> DagDetailReadV1:
    read = v2.get_dag_details(dag_id=dag_id, state=state, session=session, user=user)
    return dag_detail_v1(read, latest_specs(state, session, [dag_id]).get(dag_id))


@router.patch(
    "/dags/{dag_id}",
    response_model=DagReadV1,
    summary="Update a DAG (v1)",
    responses=error_responses(404),
)
def patch_dag_v1(
    dag_id: str,
    body: DagPatchV1,
    state: State,
    session: DbSession,
    user: CurrentUser,
    update_mask: Annotated[list[str] | None, Query()] = None,
) -> DagReadV1:
    """Pause or unpause the DAG: ``{"is_paused": true}``."""
    read = v2.patch_dag(
        dag_id=dag_id,
        body=DagPatch(is_paused=body.is_paused),
        state=state,
        session=session,
        user=user,
        update_mask=update_mask,
    )
    return dag_v1(read, latest_specs(state, session, [dag_id]).get(dag_id))


@router.delete(
    "/dags/{dag_id}",
    status_code=204,
    responses=error_responses(404, 409),
    summary="Delete a DAG (v1)",
)
def delete_dag_v1(dag_id: str, state: State, session: DbSession, user: CurrentUser) -> Response:
    """Delete the DAG and its history; it comes back if its file still defines it."""
    return v2.delete_dag(dag_id=dag_id, state=state, session=session, user=user)


@router.get(
    "/dags/{dag_id}/tasks",
    responses=error_responses(404),
    response_model=TaskCollectionReadV1,
    summary="Get tasks for DAG (v1)",
)
def get_tasks_v1(
    dag_id: str,
    state: State,
    session: DbSession,
    user: CurrentUser,
    order_by: Annotated[str, Query(max_length=200)] = "task_id",
) -> TaskCollectionReadV1:
    page = v2.get_tasks(dag_id=dag_id, state=state, session=session, user=user, order_by=order_by)
    return TaskCollectionReadV1(
        tasks=[task_v1(task) for task in page.tasks], total_entries=page.total_entries
    )


@router.get(
    "/dags/{dag_id}/tasks/{task_id}",
    responses=error_responses(404),
    response_model=TaskReadV1,
    summary="Get simplified representation of a task (v1)",
)
def get_task_v1(
    dag_id: str, task_id: str, state: State, session: DbSession, user: CurrentUser
) -> TaskReadV1:
    return task_v1(
        v2.get_task(dag_id=dag_id, task_id=task_id, state=state, session=session, user=user)
    )
