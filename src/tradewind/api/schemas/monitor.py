"""Health and version (Airflow's ``HealthInfoResponse``, ``VersionInfo``)."""

from __future__ import annotations

from tradewind.api.schemas.common import ReadModel


class BaseInfoRead(ReadModel):
    status: str | None


class SchedulerInfoRead(ReadModel):
    status: str | None
    latest_scheduler_heartbeat: str | None


class TriggererInfoRead(ReadModel):
    status: str | None
    latest_triggerer_heartbeat: str | None


class DagProcessorInfoRead(ReadModel):
    status: str | None
    latest_dag_processor_heartbeat: str | None


class HealthRead(ReadModel):
    metadatabase: BaseInfoRead
    scheduler: SchedulerInfoRead
    triggerer: TriggererInfoRead
    dag_processor: DagProcessorInfoRead | None


class VersionRead(ReadModel):
    version: str
    git_version: str | None
