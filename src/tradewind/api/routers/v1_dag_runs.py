"""``/api/v1/dags/{dag_id}/dagRuns`` (Airflow 2's paths): list, trigger, read, mark, note and
delete runs, and list runs of several DAGs (``POST /api/v1/dags/~/dagRuns/list``).

Each route calls its ``/api/v2`` counterpart with v1's names mapped (``execution_date`` is
v2's ``logical_date``) and reshapes the answer (``v1_shapes``).
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response
from pydantic import AwareDatetime, BaseModel, Field

from tradewind.api.deps import CurrentUser, DbSession, State
from tradewind.api.errors import error_responses
from tradewind.api.fast_json import model_response
from tradewind.api.params import unsupported, values_of
from tradewind.api.routers import dag_runs as v2
from tradewind.api.routers.v1_shapes import dag_run_v1, v2_model, v2_order_by
from tradewind.api.schemas.dag_runs import (
    DagRunCollectionRead,
    DagRunCreate,
    DagRunPatch,
    DagRunsBatch,
)
from tradewind.api.schemas.v1 import (
    DagRunCollectionReadV1,
    DagRunCreateV1,
    DagRunNoteV1,
    DagRunReadV1,
    DagRunsBatchV1,
    DagRunStateV1,
)
from tradewind.contracts.states import DagRunState

router = APIRouter(prefix="/api/v1", tags=["DAGRun (v1)"])


class DagRunQueryV1(BaseModel):
    """The query parameters of ``GET /api/v1/dags/{dag_id}/dagRuns``."""

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
    state: list[str] = Field(default_factory=list, json_schema_extra=values_of(DagRunState))
    order_by: str | None = Field(None, max_length=200)


@router.get(
    "/dags/{dag_id}/dagRuns",
    response_model=DagRunCollectionReadV1,
    responses=error_responses(404),
    summary="List DAG runs (v1)",
)
def get_dag_runs_v1(
    dag_id: str,
    query: Annotated[DagRunQueryV1, Query()],
    state: State,
    session: DbSession,
    user: CurrentUser,
) -> DagRunCollectionReadV1:
    """Runs of the DAG (``~``: of every DAG the user may read)."""
    unsupported(query, ("updated_at_gte", "updated_at_lte"))
    answer = v2.dag_run_page(
        state,
        session,
        user,
        dag_id,
        v2_model(
            v2.DagRunQuery,
            limit=query.limit,
            offset=query.offset,
            state=query.state,
            order_by=v2_order_by(query.order_by),
            logical_date_gte=query.execution_date_gte,
            logical_date_lte=query.execution_date_lte,
            start_date_gte=query.start_date_gte,
            start_date_lte=query.start_date_lte,
            end_date_gte=query.end_date_gte,
            end_date_lte=query.end_date_lte,
        ),
    )
    page = DagRunCollectionRead.model_validate_json(bytes(answer.body))  # v2 writes its JSON itself
    return DagRunCollectionReadV1(
        dag_runs=[dag_run_v1(run) for run in page.dag_runs], total_entries=page.total_entries
    )


@router.post(
    "/dags/{dag_id}/dagRuns",
    response_model=DagRunReadV1,
    responses=error_responses(404, 409),
    summary="Trigger a new DAG run (v1)",
)
def post_dag_run_v1(
    dag_id: str, body: DagRunCreateV1, state: State, session: DbSession, user: CurrentUser
) -> Response:
    """Queue a run with ``conf``; its logical date is ``execution_date`` (or
    ``logical_date``), default now."""
    run = v2.triggered_run(
        state,
        session,
        user,
        dag_id,
        v2_model(
            DagRunCreate,
            dag_run_id=body.dag_run_id,
            # Airflow 2 gave every run a logical date: now, when the body names none.
            logical_date=body.date or state.clock(),
            data_interval_start=body.data_interval_start,
            data_interval_end=body.data_interval_end,
            conf=body.conf,
            note=body.note,
        ),
    )
    return model_response(dag_run_v1(run))


@router.post(
    "/dags/{dag_id}/dagRuns/list",
    response_model=DagRunCollectionReadV1,
    summary="List DAG runs (batch) (v1)",
)
def get_dag_runs_batch_v1(
    dag_id: Literal["~"],
    body: DagRunsBatchV1,
    state: State,
    session: DbSession,
    user: CurrentUser,
) -> DagRunCollectionReadV1:
    """Runs of several DAGs (``dag_ids``; every DAG the user may read when left out)."""
    order_by = v2_order_by(body.order_by)
    answer = v2.get_list_dag_runs_batch(
        dag_id=dag_id,
        body=v2_model(
            DagRunsBatch,
            order_by=order_by[0] if order_by else None,
            page_offset=body.page_offset,
            page_limit=body.page_limit,
            dag_ids=body.dag_ids,
            states=body.states,
            logical_date_gte=body.execution_date_gte,
            logical_date_lte=body.execution_date_lte,
            start_date_gte=body.start_date_gte,
            start_date_lte=body.start_date_lte,
            end_date_gte=body.end_date_gte,
            end_date_lte=body.end_date_lte,
        ),
        state=state,
        session=session,
        user=user,
    )
    page = DagRunCollectionRead.model_validate_json(bytes(answer.body))  # v2 writes its JSON itself
    return DagRunCollectionReadV1(
        dag_runs=[dag_run_v1(run) for run in page.dag_runs], total_entries=page.total_entries
    )


@router.get(
    "/dags/{dag_id}/dagRuns/{dag_run_id}",
    response_model=DagRunReadV1,
    summary="Get a DAG run (v1)",
    responses=error_responses(404),
)
def get_dag_run_v1(
    dag_id: str, dag_run_id: str, state: State, session: DbSession, user: CurrentUser
) -> DagRunReadV1:
    return dag_run_v1(
        v2.get_dag_run(
            dag_id=dag_id, dag_run_id=dag_run_id, state=state, session=session, user=user
        )
    )


@router.patch(
    "/dags/{dag_id}/dagRuns/{dag_run_id}",
    response_model=DagRunReadV1,
    summary="Modify a DAG run (v1)",
    responses=error_responses(404, 409),
)
def update_dag_run_state_v1(
    dag_id: str,
    dag_run_id: str,
    body: DagRunStateV1,
    state: State,
    session: DbSession,
    user: CurrentUser,
) -> DagRunReadV1:
    """Mark the run success or failed, or queue it again (``queued`` clears it)."""
    run = v2.patch_dag_run(
        dag_id=dag_id,
        dag_run_id=dag_run_id,
        body=v2_model(DagRunPatch, state=body.state),
        state=state,
        session=session,
        user=user,
        update_mask=None,
    )
    return dag_run_v1(run)


@router.patch(
    "/dags/{dag_id}/dagRuns/{dag_run_id}/setNote",
    responses=error_responses(404),
    response_model=DagRunReadV1,
    summary="Update the DagRun note (v1)",
)
def set_dag_run_note_v1(
    dag_id: str,
    dag_run_id: str,
    body: DagRunNoteV1,
    state: State,
    session: DbSession,
    user: CurrentUser,
) -> DagRunReadV1:
    run = v2.patch_dag_run(
        dag_id=dag_id,
        dag_run_id=dag_run_id,
        body=v2_model(DagRunPatch, note=body.note),
        state=state,
        session=session,
        user=user,
        update_mask=["note"],
    )
    return dag_run_v1(run)


@router.delete(
    "/dags/{dag_id}/dagRuns/{dag_run_id}",
    status_code=204,
    responses=error_responses(404),
    summary="Delete a DAG run (v1)",
)
def delete_dag_run_v1(
    dag_id: str, dag_run_id: str, state: State, session: DbSession, user: CurrentUser
) -> Response:
    return v2.delete_dag_run(
        dag_id=dag_id, dag_run_id=dag_run_id, state=state, session=session, user=user
    )
