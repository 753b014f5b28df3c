"""Jobs (Airflow's ``JobResponse``)."""

from __future__ import annotations

from datetime import datetime

from tradewind.api.schemas.common import ReadModel


class JobRead(ReadModel):
    id: int
    dag_id: str | None = None
    state: str | None
    job_type: str | None
    start_date: datetime | None
    end_date: datetime | None
    latest_heartbeat: datetime | None
    executor_class: str | None = None
    hostname: str | None
    unixname: str | None = None
    dag_display_name: str | None = None


class JobCollectionRead(ReadModel):
    jobs: list[JobRead]
    total_entries: int
