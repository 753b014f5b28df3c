"""``GET /api/v1/health`` (Airflow 2's path), public like ``/api/v2/monitor/health``."""

from __future__ import annotations

from fastapi import APIRouter

from tradewind.api.deps import State
from tradewind.api.routers.monitor import health_of
from tradewind.api.schemas.monitor import HealthRead

router = APIRouter(prefix="/api/v1", tags=["Monitoring (v1)"])


@router.get("/health", response_model=HealthRead, summary="Get instance status (v1)")
def get_health_v1(state: State) -> HealthRead:
    """The metadata database, scheduler and DAG processor: always 200, statuses say more."""
    return health_of(state)
