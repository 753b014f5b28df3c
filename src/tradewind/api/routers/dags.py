"""``/api/v2/dags``: list, read, pause and delete DAGs; their details, tasks and source."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Header, HTTPException, Query, Response
from fastapi.responses import PlainTextResponse
from sqlalchemy.orm import Session

from tradewind.api.auth.roles import AuthUser, Permission
from tradewind.api.deps import ApiState, CurrentUser, DbSession, State
from tradewind.api.errors import error_responses
from tradewind.api.lookups import dag_not_found, get_dag_row
from tradewind.api.params import INT_MAX, Limit, Offset, OrderByList, parse_order_by
from tradewind.api.schemas.dags import (
    DagCollectionRead,
    DagDetailsRead,
    DagPatch,
    DagRead,
    DagSourceRead,
    TaskCollectionRead,
    TaskRead,
)
from tradewind.api.serialize import dag_details_read, dag_read, task_read
from tradewind.contracts.dagspec import DagSpec
from tradewind.server import run_operations
from tradewind.storage.repos import dags as dag_repo
from tradewind.storage.repos import listing, run_history
from tradewind.storage.rows import DagRow

router = APIRouter(prefix="/api/v2", tags=["DAG"])


def latest_spec(state: ApiState, session: Session, dag_id: str) -> DagSpec | None:
    return state.specs.latest(session, dag_id)


def _dag_reads(state: ApiState, session: Session, rows: list[DagRow]) -> list[DagRead]:
    versions = listing.list_latest_version_summaries(
        session=session, dag_ids=[row.dag_id for row in rows]
    )
    broken = listing.list_filelocs_with_import_errors(
        session=session, filelocs={row.fileloc for row in rows}
    )
    reads = []
    for row in rows:
        version = versions.get(row.dag_id)
        spec = (
            state.specs.get(session, row.dag_id, version.version_hash)
            if version is not None
            else None
        )
        reads.append(
            dag_read(
                row,
                spec=spec,
                has_import_errors=row.fileloc in broken,
                dags_folder=state.settings.dags_folder,
            )
        )
    return reads


@router.get(
    "/dags", response_model=DagCollectionRead, summary="Get Dags", responses=error_responses(400)
)
def get_dags(
    state: State,
    session: DbSession,
    user: CurrentUser,
    limit: Limit = 50,
    offset: Offset = 0,
    tags: Annotated[list[str] | None, Query()] = None,
    tags_match_mode: Literal["any", "all"] | None = None,
    owners: Annotated[list[str] | None, Query()] = None,
    dag_id_pattern: Annotated[str | None, Query(max_length=1000)] = None,
    dag_display_name_pattern: Annotated[str | None, Query(max_length=1000)] = None,
    exclude_stale: bool = True,
    paused: bool | None = None,
    order_by: OrderByList = None,
) -> DagCollectionRead:
    """DAGs the user may read, filtered, ordered and paged."""
    readable = state.access.readable_dag_ids(session, user)
    rows, total = listing.list_dag_page(
        session=session,
        dag_ids=readable,
        tags=tags or (),
        tags_match_all=tags_match_mode == "all",
        owners=owners or (),
        dag_id_pattern=dag_id_pattern,
        dag_display_name_pattern=dag_display_name_pattern,
        paused=paused,
        exclude_stale=exclude_stale,
        order_by=parse_order_by(order_by, listing.DAG_ORDER_FIELDS, default=(("dag_id", False),)),
        limit=state.page_limit(limit),
        offset=offset,
    )
    return DagCollectionRead(dags=_dag_reads(state, session, rows), total_entries=total)


@router.get(
    "/dags/{dag_id}", response_model=DagRead, summary="Get Dag", responses=error_responses(404)
)
def get_dag(dag_id: str, state: State, session: DbSession, user: CurrentUser) -> DagRead:
    row = get_dag_row(state, session, user, dag_id, Permission.DAGS_READ)
    return _dag_reads(state, session, [row])[0]


@router.get(
    "/dags/{dag_id}/details",
    response_model=DagDetailsRead,
    summary="Get Dag Details",
    responses=error_responses(404),
)
def get_dag_details(
    dag_id: str, state: State, session: DbSession, user: CurrentUser
) -> DagDetailsRead:
    row = get_dag_row(state, session, user, dag_id, Permission.DAGS_READ)
    version = listing.list_latest_version_summaries(session=session, dag_ids=[dag_id]).get(dag_id)
    spec = state.specs.get(session, dag_id, version.version_hash) if version is not None else None
    broken = listing.list_filelocs_with_import_errors(session=session, filelocs=[row.fileloc])
    return dag_details_read(
        row,
        spec=spec,
        latest_version=version,
        has_import_errors=bool(broken),
        dags_folder=state.settings.dags_folder,
    )


@router.patch(
    "/dags/{dag_id}",
    response_model=DagRead,
    summary="Patch Dag",
    responses=error_responses(400, 404),
)
def patch_dag(
    dag_id: str,
    body: DagPatch,
    state: State,
    session: DbSession,
    user: CurrentUser,
    update_mask: Annotated[list[str] | None, Query()] = None,
) -> DagRead:
    """Pause or unpause a DAG (``is_paused`` is the one field that may change)."""
    if update_mask and update_mask != ["is_paused"]:
        raise HTTPException(400, "Only `is_paused` field can be updated through the REST API")
    row = get_dag_row(state, session, user, dag_id, Permission.DAGS_EDIT)
    dag_repo.update_dags_paused(session=session, dag_ids=[dag_id], is_paused=body.is_paused)
    session.commit()
    session.refresh(row)
    return _dag_reads(state, session, [row])[0]


@router.delete(
    "/dags/{dag_id}", status_code=204, summary="Delete Dag", responses=error_responses(404, 409)
)
def delete_dag(dag_id: str, state: State, session: DbSession, user: CurrentUser) -> Response:
    """Delete a DAG and all its history; it comes back if its file still defines it."""
    state.access.require(session, user, dag_id, Permission.DAGS_DELETE)
    if run_history.count_active_task_instances_of_dag(session=session, dag_id=dag_id):
        raise HTTPException(409, f"Task instances of dag with id: {dag_id!r} are still running")
    run_operations.delete_dag(session, dag_id)  # 404 for a DAG unknown and without history
    session.commit()
    return Response(status_code=204)


# -- tasks -------------------------------------------------------------------------------------

_TASK_ORDER_FIELDS = frozenset(TaskRead.model_fields)


def _spec_or_404(state: ApiState, session: Session, user: AuthUser, dag_id: str) -> DagSpec:
    get_dag_row(state, session, user, dag_id, Permission.DAGS_READ)
    spec = latest_spec(state, session, dag_id)
    if spec is None:
        raise dag_not_found(dag_id)
    return spec


@router.get(
    "/dags/{dag_id}/tasks",
    response_model=TaskCollectionRead,
    tags=["Task"],
    summary="Get Tasks",
    responses=error_responses(400, 404),
)
def get_tasks(
    dag_id: str,
    state: State,
    session: DbSession,
    user: CurrentUser,
    order_by: Annotated[str, Query(max_length=200)] = "task_id",
) -> TaskCollectionRead:
    """The tasks of the DAG's latest version."""
    spec = _spec_or_404(state, session, user, dag_id)
    (field, descending), *_ = parse_order_by(
        [order_by], _TASK_ORDER_FIELDS, default=(("task_id", False),)
    )
    tasks = [task_read(spec, task) for task in spec.tasks.values()]

    def key(task: TaskRead) -> tuple[bool, str]:
        value = getattr(task, field)
        return (value is None, str(value))

    tasks.sort(key=key, reverse=descending)
    return TaskCollectionRead(tasks=tasks, total_entries=len(tasks))


@router.get(
    "/dags/{dag_id}/tasks/{task_id}",
    response_model=TaskRead,
    tags=["Task"],
    summary="Get Task",
    responses=error_responses(404),
)
def get_task(
    dag_id: str, task_id: str, state: State, session: DbSession, user: CurrentUser
) -> TaskRead:
    spec = _spec_or_404(state, session, user, dag_id)
    task = spec.tasks.get(task_id)
    if task is None:
        raise HTTPException(404, f"Task {task_id!r} not found in DAG {dag_id!r}")
    return task_read(spec, task)


# -- source ------------------------------------------------------------------------------------


@router.get(
    "/dagSources/{dag_id}",
    response_model=DagSourceRead,
    tags=["DagSource"],
    summary="Get Dag Source",
    responses={
        200: {"content": {"text/plain": {"schema": {"type": "string"}}}},
        **error_responses(404, 406),
    },
)
def get_dag_source(
    dag_id: str,
    state: State,
    session: DbSession,
    user: CurrentUser,
    version_number: Annotated[int | None, Query(ge=1, le=INT_MAX)] = None,
    accept: Annotated[str, Header()] = "*/*",
) -> DagSourceRead | PlainTextResponse:
    """The DAG file's text as parsed for a version of the DAG (its latest by default)."""
    row = get_dag_row(state, session, user, dag_id, Permission.DAGS_READ)
    version = listing.get_dag_version_by_number(
        session=session, dag_id=dag_id, version_number=version_number
    )
    if version is None:
        raise HTTPException(
            404,
            f"DAG {dag_id!r} has no version {version_number}"
            if version_number is not None
            else f"DAG {dag_id!r} has no recorded version yet",
        )
    wanted = [part.split(";")[0].strip().lower() for part in accept.split(",")]
    if "text/plain" in wanted and "application/json" not in wanted:
        return PlainTextResponse(version.source_code)
    if not any(kind in ("application/json", "*/*", "application/*", "") for kind in wanted):
        raise HTTPException(406, "Only application/json or text/plain is supported")
    return DagSourceRead(
        content=version.source_code,
        dag_id=dag_id,
        version_number=version.version_number,
        dag_display_name=row.dag_display_name or dag_id,
    )
