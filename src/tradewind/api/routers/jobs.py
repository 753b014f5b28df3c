"""``GET /api/v2/jobs``: the schedulers, DAG processors and triggerers, known by their
heartbeats.

A job is ``running`` until it stops cleanly (``success``); it is alive while running and its
latest heartbeat is within ``[api] health_check_threshold`` seconds (the health check's rule).
Job types read as Airflow's (``SchedulerJob``, ``DagProcessorJob``, ``TriggererJob``); the
``job_type`` filter takes those or Tradewind's names (``scheduler``). Tradewind's jobs belong
to no DAG and record no executor class or Unix user: those fields are null, and filtering by
them finds none.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import AwareDatetime, BaseModel, Field

from tradewind.api.auth.roles import Permission
from tradewind.api.deps import CurrentUser, DbSession, State
from tradewind.api.params import bounds_of, parse_order_by
from tradewind.api.schemas.jobs import JobCollectionRead, JobRead
from tradewind.storage.repos import jobs as job_repo
from tradewind.storage.rows import JobRow

router = APIRouter(prefix="/api/v2", tags=["Job"])

#: Tradewind's job kinds → Airflow's job types.
JOB_TYPES = {
    "scheduler": "SchedulerJob",
    "dag_processor": "DagProcessorJob",
    "triggerer": "TriggererJob",
}

_STATES = {"running": False, "success": True}


class JobQuery(BaseModel):
    """The query parameters of ``GET /jobs``."""

    limit: int = Field(50, ge=0, le=2**53)
    offset: int = Field(0, ge=0, le=2**53)
    order_by: list[str] = Field(default_factory=list)
    job_state: str | None = Field(None, max_length=100)
    job_type: str | None = Field(None, max_length=100)
    hostname: str | None = Field(None, max_length=1000)
    executor_class: str | None = Field(None, max_length=1000)
    dag_id: str | None = Field(None, max_length=1000)
    is_alive: bool | None = None
    start_date_gte: AwareDatetime | None = None
    start_date_gt: AwareDatetime | None = None
    start_date_lte: AwareDatetime | None = None
    start_date_lt: AwareDatetime | None = None
    end_date_gte: AwareDatetime | None = None
    end_date_gt: AwareDatetime | None = None
    end_date_lte: AwareDatetime | None = None
    end_date_lt: AwareDatetime | None = None


def job_type(kind: str) -> str:
    """``dag_processor`` → ``DagProcessorJob``."""
    return JOB_TYPES.get(kind) or "".join(part.title() for part in kind.split("_")) + "Job"


def kind_of(job_type_name: str) -> str:
    """``DagProcessorJob`` (or ``dag_processor``) → ``dag_processor``."""
    name = job_type_name.strip()
    if name.endswith("Job"):
        name = re.sub(r"(?<!^)(?=[A-Z])", "_", name[: -len("Job")])
    return name.lower()


def _read(row: JobRow) -> JobRead:
    return JobRead(
        id=row.id,
        state="running" if row.ended_at is None else "success",
        job_type=job_type(row.kind),
        start_date=row.started_at,
        end_date=row.ended_at,
        latest_heartbeat=row.latest_heartbeat,
        hostname=row.hostname,
    )


@router.get("/jobs", response_model=JobCollectionRead, summary="Get Jobs")
def get_jobs(
    query: Annotated[JobQuery, Query()], state: State, session: DbSession, user: CurrentUser
) -> JobCollectionRead:
    """Jobs, by id unless ``order_by`` says otherwise."""
    user.require(Permission.DAGS_READ)
    none_match = (
        query.executor_class is not None
        or query.dag_id is not None
        or (query.job_state is not None and query.job_state.lower() not in _STATES)
    )
    order_by = parse_order_by(query.order_by, job_repo.JOB_ORDER_FIELDS, default=(("id", False),))
    if none_match:
        return JobCollectionRead(jobs=[], total_entries=0)
    threshold = timedelta(seconds=state.settings.api.health_check_threshold)
    rows, total = job_repo.list_job_page(
        session=session,
        kinds=None if query.job_type is None else {kind_of(query.job_type)},
        ended=None if query.job_state is None else _STATES[query.job_state.lower()],
        hostname=query.hostname,
        alive=query.is_alive,
        alive_since=state.clock() - threshold,
        bounds=bounds_of(query),
        order_by=order_by,
        limit=state.page_limit(query.limit),
        offset=query.offset,
    )
    return JobCollectionRead(jobs=[_read(row) for row in rows], total_entries=total)
