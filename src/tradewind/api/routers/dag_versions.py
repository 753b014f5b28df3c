"""``/api/v2/dags/{dag_id}/dagVersions`` (``~``: every DAG the user may read), and
``/api/v2/dagStats``: how many runs of each DAG are in each state.

A new version is recorded each time a DAG's parsed structure changes. Tradewind has no
bundles: ``bundle_name`` and ``bundle_version`` are null, and filtering by them finds none.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel, Field

from tradewind.api.auth.roles import Permission
from tradewind.api.deps import CurrentUser, DbSession, State
from tradewind.api.errors import error_responses
from tradewind.api.lookups import get_dag_row, readable_dag_ids
from tradewind.api.params import INT_MAX, parse_order_by
from tradewind.api.schemas.dag_versions import (
    DagStatsCollectionRead,
    DagStatsRead,
    DagStatsStateRead,
    DagVersionCollectionRead,
)
from tradewind.api.schemas.dags import DagVersionRead
from tradewind.api.serialize import version_read
from tradewind.contracts.states import DagRunState
from tradewind.storage.repos import dag_versions as version_repo
from tradewind.storage.repos import listing

router = APIRouter(prefix="/api/v2")


class DagVersionQuery(BaseModel):
    """The query parameters of ``GET /dags/{dag_id}/dagVersions``."""

    limit: int = Field(50, ge=0, le=2**53)
    offset: int = Field(0, ge=0, le=2**53)
    version_number: int | None = Field(None, ge=-INT_MAX, le=INT_MAX)
    bundle_name: str | None = Field(None, max_length=1000)
    bundle_version: str | None = Field(None, max_length=1000)
    order_by: list[str] = Field(default_factory=list)


@router.get(
    "/dags/{dag_id}/dagVersions",
    response_model=DagVersionCollectionRead,
    summary="Get Dag Versions",
    tags=["DagVersion"],
    responses=error_responses(404),
)
def get_dag_versions(
    dag_id: str,
    query: Annotated[DagVersionQuery, Query()],
    state: State,
    session: DbSession,
    user: CurrentUser,
) -> DagVersionCollectionRead:
    """The versions of a DAG (``~``: of every DAG), oldest first unless ``order_by`` says."""
    dag_ids = readable_dag_ids(state, session, user, dag_id)
    if query.bundle_name is not None or query.bundle_version is not None:
        return DagVersionCollectionRead(dag_versions=[], total_entries=0)
    rows, total = version_repo.list_dag_version_page(
        session=session,
        dag_ids=dag_ids,
        version_number=query.version_number,
        order_by=parse_order_by(
            query.order_by, version_repo.VERSION_ORDER_FIELDS, default=(("id", False),)
        ),
        limit=state.page_limit(query.limit),
        offset=query.offset,
    )
    names = listing.list_dag_display_names(session=session, dag_ids={row.dag_id for row in rows})
    return DagVersionCollectionRead(
        dag_versions=[version_read(row, names.get(row.dag_id, row.dag_id)) for row in rows],
        total_entries=total,
    )


@router.get(
    "/dags/{dag_id}/dagVersions/{version_number}",
    response_model=DagVersionRead,
    summary="Get Dag Version",
    tags=["DagVersion"],
    responses=error_responses(404),
)
def get_dag_version(
    dag_id: str, version_number: int, state: State, session: DbSession, user: CurrentUser
) -> DagVersionRead:
    dag = get_dag_row(state, session, user, dag_id, Permission.DAGS_READ)
    row = None
    if -INT_MAX <= version_number <= INT_MAX:
        row = version_repo.get_dag_version_summary(
            session=session, dag_id=dag_id, version_number=version_number
        )
    if row is None:
        raise HTTPException(
            404,
            f"DAG {dag_id!r} has no version {version_number}; GET /api/v2/dags/{dag_id}/"
            "dagVersions lists its versions.",
        )
    return version_read(row, dag.dag_display_name or dag_id)


@router.get(
    "/dagStats",
    response_model=DagStatsCollectionRead,
    summary="Get Dag Stats",
    tags=["DagStats"],
)
def get_dag_stats(
    state: State,
    session: DbSession,
    user: CurrentUser,
    dag_ids: Annotated[list[str] | None, Query()] = None,
) -> DagStatsCollectionRead:
    """For each DAG with runs (of ``dag_ids`` if given, that the user may read), the number
    of its runs in each run state, every state listed."""
    readable = state.access.readable_dag_ids(session, user)
    wanted = set(dag_ids) if dag_ids else None
    if readable is not None:
        wanted = readable if wanted is None else wanted & readable
    counts = version_repo.count_runs_by_state(session=session, dag_ids=wanted)
    names = listing.list_dag_display_names(session=session, dag_ids=counts.keys())
    dags = [
        DagStatsRead(
            dag_id=dag_id,
            dag_display_name=names.get(dag_id, dag_id),
            stats=[
                DagStatsStateRead(state=run_state, count=counts[dag_id].get(run_state, 0))
                for run_state in DagRunState
            ],
        )
        for dag_id in sorted(counts)
    ]
    return DagStatsCollectionRead(dags=dags, total_entries=len(dags))
