"""Jobs: schedulers, DAG processors and triggerers, alive while they heartbeat."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

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
