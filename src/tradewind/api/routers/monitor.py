"""Health (public): the metadata database, the scheduler and the DAG processor.

A scheduler (or DAG processor) is healthy when its latest job has not ended and heartbeat
within ``[api] health_check_threshold`` seconds. The answer is always 200: the statuses say
what is wrong, as in Airflow.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from fastapi import APIRouter
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from tradewind.api.deps import ApiState, State
from tradewind.api.schemas.monitor import (
    BaseInfoRead,
    DagProcessorInfoRead,
    HealthRead,
    SchedulerInfoRead,
    TriggererInfoRead,
)
from tradewind.storage.repos import listing

router = APIRouter(tags=["Monitor"])

log = logging.getLogger(__name__)

HEALTHY = "healthy"
UNHEALTHY = "unhealthy"


def _job(
    session: Session, kind: str, now: datetime, threshold: float
) -> tuple[str | None, str | None]:
    """(status, latest heartbeat) of the latest job of ``kind``; (None, None) if none ran."""
    job = listing.get_latest_job(session=session, kind=kind)
    if job is None:
        return None, None
    alive = job.ended_at is None and now - job.latest_heartbeat <= timedelta(seconds=threshold)
    return (HEALTHY if alive else UNHEALTHY), job.latest_heartbeat.isoformat()


def health_of(state: ApiState) -> HealthRead:
    now = state.clock()
    threshold = state.settings.api.health_check_threshold
    database: str = UNHEALTHY
    scheduler: tuple[str | None, str | None] = (UNHEALTHY, None)
    processor: tuple[str | None, str | None] = (None, None)
    try:
        with state.session_factory() as session:
            session.execute(text("SELECT 1"))
            database = HEALTHY
            status, heartbeat = _job(session, "scheduler", now, threshold)
            scheduler = (status or UNHEALTHY, heartbeat)
            processor = _job(session, "dag_processor", now, threshold)
    except SQLAlchemyError as error:
        log.warning("Health check: the metadata database is unavailable: %s", error)
    return HealthRead(
        metadatabase=BaseInfoRead(status=database),
        scheduler=SchedulerInfoRead(status=scheduler[0], latest_scheduler_heartbeat=scheduler[1]),
        triggerer=TriggererInfoRead(status=None, latest_triggerer_heartbeat=None),
        dag_processor=DagProcessorInfoRead(
            status=processor[0], latest_dag_processor_heartbeat=processor[1]
        ),
    )


@router.get("/api/v2/monitor/health", response_model=HealthRead, summary="Get Health")
def get_health(state: State) -> HealthRead:
    return health_of(state)


@router.get("/health", response_model=HealthRead, summary="Get Health", include_in_schema=False)
def get_root_health(state: State) -> HealthRead:
    return health_of(state)
