"""DAGs, their versions, sources and tasks (Airflow's ``DAGResponse``, ``TaskResponse``…)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pydantic import Field

from tradewind.api.schemas.common import ReadModel, RequestBody


class DagTagRead(ReadModel):
    name: str
    dag_id: str
    dag_display_name: str


class DagVersionRead(ReadModel):
    id: str
    version_number: int
    dag_id: str
    bundle_name: str | None = None
    bundle_version: str | None = None
    created_at: datetime
    dag_display_name: str
    bundle_url: str | None = None


class DagRead(ReadModel):
    dag_id: str
    dag_display_name: str
    is_paused: bool
    is_stale: bool
    last_parsed_time: datetime | None
    last_expired: datetime | None = None
    bundle_name: str | None = None
    bundle_version: str | None = None
    relative_fileloc: str | None
    fileloc: str
    description: str | None
    timetable_summary: str | None
    timetable_description: str | None
    tags: list[DagTagRead]
    max_active_tasks: int
    max_active_runs: int | None
    max_consecutive_failed_dag_runs: int
    has_task_concurrency_limits: bool
    has_import_errors: bool
    next_dagrun_logical_date: datetime | None
    next_dagrun_data_interval_start: datetime | None
    next_dagrun_data_interval_end: datetime | None
    next_dagrun_run_after: datetime | None
    owners: list[str]
    file_token: str
    is_backfillable: bool
    timetable_periodic: bool
    timetable_partitioned: bool = False
    allowed_run_types: list[str] | None = None
    last_parse_duration: float | None = None


class DagDetailsRead(DagRead):
    catchup: bool
    dag_run_timeout: timedelta | None
    asset_expression: dict[str, Any] | None = None
    doc_md: str | None
    start_date: datetime | None
    end_date: datetime | None
    is_paused_upon_creation: bool | None
    params: dict[str, Any] | None
    render_template_as_native_obj: bool = False
    template_search_path: list[str] | None = None
    timezone: str | None
    last_parsed: datetime | None
    default_args: dict[str, Any] | None = None
    owner_links: dict[str, str] | None = None
    concurrency: int
    latest_dag_version: DagVersionRead | None
    is_favorite: bool = False
    active_runs_count: int | None = None
    rerun_with_latest_version: bool | None = None


class DagCollectionRead(ReadModel):
    dags: list[DagRead]
    total_entries: int


class DagPatch(RequestBody):
    is_paused: bool


class DagSourceRead(ReadModel):
    content: str | None
    dag_id: str
    version_number: int | None
    dag_display_name: str


class TimeDeltaRead(ReadModel):
    type: str = Field(default="TimeDelta", serialization_alias="__type")
    days: int
    seconds: int
    microseconds: int

    @classmethod
    def of(cls, seconds: float | None) -> TimeDeltaRead | None:
        if seconds is None:
            return None
        value = timedelta(seconds=seconds)
        return cls(days=value.days, seconds=value.seconds, microseconds=value.microseconds)


class TaskRead(ReadModel):
    task_id: str | None
    task_display_name: str | None
    owner: str | None
    start_date: datetime | None
    end_date: datetime | None
    trigger_rule: str | None
    depends_on_past: bool
    wait_for_downstream: bool
    retries: int | None
    queue: str | None
    pool: str | None
    pool_slots: int | None
    execution_timeout: TimeDeltaRead | None
    retry_delay: TimeDeltaRead | None
    #: The backoff multiplier, as Airflow 3.1 and later: 0 (none) or 2 (doubling).
    retry_exponential_backoff: float
    priority_weight: int | None
    weight_rule: str | None
    ui_color: str | None
    ui_fgcolor: str | None
    template_fields: list[str] | None
    downstream_task_ids: list[str] | None
    doc_md: str | None
    operator_name: str | None
    params: dict[str, Any] | None
    class_ref: dict[str, Any] | None
    is_mapped: bool | None
    extra_links: list[str]


class TaskCollectionRead(ReadModel):
    tasks: list[TaskRead]
    total_entries: int
