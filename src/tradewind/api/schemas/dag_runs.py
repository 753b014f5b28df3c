"""DAG runs (Airflow's ``DAGRunResponse``, ``TriggerDAGRunPostBody``…)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, Self

from pydantic import AwareDatetime, ConfigDict, Field, model_validator

from tradewind.api.schemas.common import ReadModel, RequestBody
from tradewind.api.schemas.dags import DagVersionRead
from tradewind.contracts.runs import DagRunType
from tradewind.contracts.states import DagRunState

#: Airflow's default ``allowed_run_id_pattern``: safe in URLs and file names.
RUN_ID_PATTERN = r"^[A-Za-z0-9_.~:+-]+$"


class DagRunRead(ReadModel):
    dag_run_id: str
    dag_id: str
    logical_date: datetime | None
    queued_at: datetime | None
    start_date: datetime | None
    end_date: datetime | None
    duration: float | None
    data_interval_start: datetime | None
    data_interval_end: datetime | None
    run_after: datetime
    last_scheduling_decision: datetime | None
    run_type: DagRunType
    state: DagRunState
    triggered_by: str | None
    triggering_user_name: str | None = None
    conf: dict[str, Any] | None
    note: str | None
    dag_versions: list[DagVersionRead]
    bundle_version: str | None = None
    dag_display_name: str
    partition_key: str | None = None
    partition_date: datetime | None = None


class DagRunCollectionRead(ReadModel):
    dag_runs: list[DagRunRead]
    total_entries: int


#: "Both data interval ends, or neither", as JSON Schema, so the OpenAPI document says it too.
_WHOLE_INTERVAL: dict[str, Any] = {
    "anyOf": [
        {
            "properties": {
                "data_interval_start": {"type": "null"},
                "data_interval_end": {"type": "null"},
            }
        },
        {
            "required": ["data_interval_start", "data_interval_end"],
            "properties": {
                "data_interval_start": {"type": "string"},
                "data_interval_end": {"type": "string"},
            },
        },
    ]
}


class DagRunCreate(RequestBody):
    """``POST /dags/{dag_id}/dagRuns``: ``logical_date`` must be given, and may be null."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_WHOLE_INTERVAL)

    dag_run_id: str | None = Field(None, min_length=1, max_length=250, pattern=RUN_ID_PATTERN)
    data_interval_start: AwareDatetime | None = None
    data_interval_end: AwareDatetime | None = None
    logical_date: AwareDatetime | None
    run_after: AwareDatetime | None = None
    conf: dict[str, Any] | None = None
    note: str | None = Field(None, max_length=1000)
    partition_key: str | None = Field(None, max_length=1000)

    @model_validator(mode="after")
    def _interval_given_whole(self) -> Self:
        if (self.data_interval_start is None) != (self.data_interval_end is None):
            raise ValueError("Give both data_interval_start and data_interval_end, or neither.")
        return self


class DagRunPatch(RequestBody):
    state: Literal["queued", "success", "failed"] | None = None
    note: str | None = Field(None, max_length=1000)


class DagRunClear(RequestBody):
    dry_run: bool = True
    only_failed: bool = False
    only_new: bool = False
    run_on_latest_version: bool = False
    note: str | None = Field(None, max_length=1000)


class DagRunsBatch(RequestBody):
    """``POST /dags/~/dagRuns/list``."""

    order_by: str | None = Field(None, max_length=200)
    page_offset: int = Field(0, ge=0, le=2**53)
    page_limit: int = Field(100, ge=0, le=2**53)
    dag_ids: list[str] | None = None
    states: list[DagRunState | None] | None = None
    run_after_gte: AwareDatetime | None = None
    run_after_gt: AwareDatetime | None = None
    run_after_lte: AwareDatetime | None = None
    run_after_lt: AwareDatetime | None = None
    logical_date_gte: AwareDatetime | None = None
    logical_date_gt: AwareDatetime | None = None
    logical_date_lte: AwareDatetime | None = None
    logical_date_lt: AwareDatetime | None = None
    start_date_gte: AwareDatetime | None = None
    start_date_gt: AwareDatetime | None = None
    start_date_lte: AwareDatetime | None = None
    start_date_lt: AwareDatetime | None = None
    end_date_gte: AwareDatetime | None = None
    end_date_gt: AwareDatetime | None = None
    end_date_lte: AwareDatetime | None = None
    end_date_lt: AwareDatetime | None = None
    duration_gte: float | None = None
    duration_gt: float | None = None
    duration_lte: float | None = None
    duration_lt: float | None = None
    conf_contains: str | None = None
