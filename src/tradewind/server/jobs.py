"""The job a long-running process records while it runs (the health check reports it)."""

from __future__ import annotations

import os
from datetime import datetime

from tradewind.server.specs import SessionFactory
from tradewind.storage.repos import jobs as job_repo


def start_job(session_factory: SessionFactory, *, kind: str, hostname: str, now: datetime) -> int:
    """Record this process as a starting job of ``kind``; the job's id."""
    with session_factory() as session:
        job = job_repo.create_job(
            session=session, kind=kind, hostname=hostname, pid=os.getpid(), now=now
        )
        session.commit()
        return job.id


def end_job(session_factory: SessionFactory, job_id: int, now: datetime) -> None:
    """Record that the job ended."""
    with session_factory() as session:
        job_repo.update_job_ended(session=session, job_id=job_id, now=now)
        session.commit()
