"""Jobs: schedulers, DAG processors and triggerers, alive while they heartbeat."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, not_, select, update
from sqlalchemy.orm import Session

from tradewind.storage.repos.listing import Bound
from tradewind.storage.repos.paging import OrderBy, count_rows, order_rows, within
from tradewind.storage.rows import JobRow


def create_job(*, session: Session, kind: str, hostname: str, pid: int, now: datetime) -> JobRow:
    """Register a starting job; its id is set on return."""
    row = JobRow(kind=kind, hostname=hostname, pid=pid, started_at=now, latest_heartbeat=now)
    session.add(row)
    session.flush()
    return row


def get_job(*, session: Session, job_id: int) -> JobRow | None:
    return session.get(JobRow, job_id)


def update_job_heartbeat(*, session: Session, job_id: int, now: datetime) -> bool:
    """Record that the job is alive; False if it is unknown or has ended."""
    result = session.execute(
        update(JobRow)
        .where(JobRow.id == job_id, JobRow.ended_at.is_(None))
        .values(latest_heartbeat=now)
        .execution_options(synchronize_session="fetch")
    )
    return int(getattr(result, "rowcount", 0)) == 1


def update_job_ended(*, session: Session, job_id: int, now: datetime) -> None:
    """Record that the job stopped cleanly."""
    session.execute(
        update(JobRow)
        .where(JobRow.id == job_id)
        .values(ended_at=now, latest_heartbeat=now)
        .execution_options(synchronize_session="fetch")
    )


def list_alive_jobs(*, session: Session, kind: str, since: datetime) -> list[JobRow]:
    """Jobs of ``kind`` not ended that heartbeat at ``since`` or later, newest first."""
    stmt = (
        select(JobRow)
        .where(JobRow.kind == kind, JobRow.ended_at.is_(None), JobRow.latest_heartbeat >= since)
        .order_by(JobRow.latest_heartbeat.desc())
    )
    return list(session.scalars(stmt))


def list_unended_jobs(*, session: Session, kind: str, hostname: str) -> list[JobRow]:
    """Jobs of ``kind`` on ``hostname`` that have not recorded their end."""
    stmt = select(JobRow).where(
        JobRow.kind == kind, JobRow.hostname == hostname, JobRow.ended_at.is_(None)
    )
    return list(session.scalars(stmt))


# -- what the REST API lists -------------------------------------------------------------------

#: The fields jobs may be ordered by (Airflow's names); fields Tradewind has no data for
#: (jobs belong to no DAG, executor or Unix user) order nothing.
JOB_ORDER_FIELDS: Mapping[str, Any] = {
    "id": JobRow.id,
    "job_type": JobRow.kind,
    "state": JobRow.ended_at.is_(None),
    "start_date": JobRow.started_at,
    "end_date": JobRow.ended_at,
    "latest_heartbeat": JobRow.latest_heartbeat,
    "hostname": JobRow.hostname,
    "dag_id": None,
    "executor_class": None,
    "unixname": None,
}

_BOUND_FIELDS: Mapping[str, Any] = {"start_date": JobRow.started_at, "end_date": JobRow.ended_at}


def list_job_page(
    *,
    session: Session,
    kinds: Collection[str] | None = None,
    ended: bool | None = None,
    hostname: str | None = None,
    alive_since: datetime | None = None,
    alive: bool | None = None,
    bounds: Sequence[Bound] = (),
    order_by: OrderBy = (("id", False),),
    limit: int | None = None,
    offset: int = 0,
) -> tuple[list[JobRow], int]:
    """Jobs matching every filter given, and how many match. A job is alive when it has not
    ended and heartbeat at ``alive_since`` or later (``alive`` needs ``alive_since``)."""
    stmt = select(JobRow)
    if kinds is not None:
        stmt = stmt.where(JobRow.kind.in_(sorted(kinds)))
    if ended is not None:
        stmt = stmt.where(JobRow.ended_at.is_not(None) if ended else JobRow.ended_at.is_(None))
    if hostname is not None:
        stmt = stmt.where(JobRow.hostname == hostname)
    if alive is not None and alive_since is not None:
        is_alive = and_(JobRow.ended_at.is_(None), JobRow.latest_heartbeat >= alive_since)
        stmt = stmt.where(is_alive if alive else not_(is_alive))
    for bound in bounds:
        stmt = stmt.where(within(_BOUND_FIELDS[bound.field], bound.op, bound.value))
    total = count_rows(session, stmt)
    page = order_rows(stmt, JOB_ORDER_FIELDS, [*order_by, ("id", False)])
    return list(session.scalars(page.offset(offset).limit(limit))), total
