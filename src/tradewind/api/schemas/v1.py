"""Airflow 2's ``/api/v1`` shapes of DAGs, DAG runs, task instances and tasks.

Field names are Airflow 2's: a run has ``execution_date`` (the same as ``logical_date``) and
``external_trigger``, a DAG ``is_active`` and ``schedule_interval``, tags are ``{"name"}``.
Fields Airflow 2 had for things Tradewind does not keep (pickles, SLA misses, sub-DAGs) are
null or false.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from fastapi import HTTPException
from pydantic import AwareDatetime, Field

from tradewind.api.schemas.common import ReadModel, RequestBody
from tradewind.api.schemas.dag_runs import RUN_ID_PATTERN
from tradewind.api.schemas.dags import TimeDeltaRead
from tradewind.contracts.states import DagRunState

# -- DAGs ------------------------------------------------------------------------------------


class TagReadV1(ReadModel):
    name: str


class CronExpressionReadV1(ReadModel):
    """A schedule other than a duration: ``{"__type": "CronExpression", "value": "@daily"}``."""

    type: str = Field(default="CronExpression", serialization_alias="__type")
    value: str


class DagReadV1(ReadModel):
    dag_id: str
    dag_display_name: str
    root_dag_id: str | None = None
    is_paused: bool | None
    is_active: bool | None
    is_subdag: bool = False
    last_parsed_time: datetime | None
    last_pickled: datetime | None = None
    last_expired: datetime | None = None
    scheduler_lock: bool | None = None
    pickle_id: str | None = None
    default_view: str | None = "grid"
    fileloc: str
    file_token: str
    owners: list[str]
    description: str | None
    #: A duration as ``TimeDelta``, anything else as a ``CronExpression``; null: no schedule.
    schedule_interval: CronExpressionReadV1 | TimeDeltaRead | None
    timetable_description: str | None
    tags: list[TagReadV1] | None
    max_active_tasks: int | None
    max_active_runs: int | None
    has_task_concurrency_limits: bool | None
    has_import_errors: bool | None
    next_dagrun: datetime | None
    next_dagrun_data_interval_start: datetime | None
    next_dagrun_data_interval_end: datetime | None
    next_dagrun_create_after: datetime | None
    max_consecutive_failed_dag_runs: int | None


class DagDetailReadV1(DagReadV1):
    timezone: str | None
    catchup: bool | None
    orientation: str | None = "LR"
    concurrency: int | None
    start_date: datetime | None
    dag_run_timeout: TimeDeltaRead | None
    dataset_expression: dict[str, Any] | None
    doc_md: str | None
    params: dict[str, Any] | None
    end_date: datetime | None
    is_paused_upon_creation: bool | None
    last_parsed: datetime | None
    template_search_path: list[str] | None = None
    render_template_as_native_obj: bool | None = False


class DagCollectionReadV1(ReadModel):
    dags: list[DagReadV1]
    total_entries: int


class DagPatchV1(RequestBody):
    """``PATCH /api/v1/dags/{dag_id}``: only ``is_paused`` may change."""

    is_paused: bool


# -- tasks -----------------------------------------------------------------------------------


class ClassReferenceV1(ReadModel):
    module_path: str | None
    class_name: str | None


class TaskReadV1(ReadModel):
    class_ref: ClassReferenceV1 | None
    task_id: str | None
    task_display_name: str | None
    owner: str | None
    start_date: datetime | None
    end_date: datetime | None
    trigger_rule: str | None
    extra_links: list[dict[str, Any]]
    depends_on_past: bool
    is_mapped: bool | None
    wait_for_downstream: bool
    retries: int | None
    queue: str | None
    executor: str | None = None
    pool: str | None
    pool_slots: int | None
    execution_timeout: TimeDeltaRead | None
    retry_delay: TimeDeltaRead | None
    retry_exponential_backoff: bool
    priority_weight: int | None
    weight_rule: str | None
    ui_color: str | None
    ui_fgcolor: str | None
    template_fields: list[str] | None
    sub_dag: dict[str, Any] | None = None
    downstream_task_ids: list[str] | None
    doc_md: str | None


class TaskCollectionReadV1(ReadModel):
    tasks: list[TaskReadV1]
    total_entries: int


# -- DAG runs --------------------------------------------------------------------------------

RunTypeV1 = Literal["backfill", "manual", "scheduled", "dataset_triggered"]


class DagRunReadV1(ReadModel):
    dag_run_id: str | None
    dag_id: str
    logical_date: datetime | None
    execution_date: datetime | None
    start_date: datetime | None
    end_date: datetime | None
    data_interval_start: datetime | None
    data_interval_end: datetime | None
    last_scheduling_decision: datetime | None
    run_type: RunTypeV1
    state: str
    external_trigger: bool
    conf: dict[str, Any]
    note: str | None


class DagRunCollectionReadV1(ReadModel):
    dag_runs: list[DagRunReadV1]
    total_entries: int


class DagRunCreateV1(RequestBody):
    """``POST /api/v1/dags/{dag_id}/dagRuns``: ``execution_date`` or ``logical_date`` (the
    same thing; both given must agree), default now."""

    dag_run_id: str | None = Field(
        default=None, min_length=1, max_length=250, pattern=RUN_ID_PATTERN
    )
    logical_date: AwareDatetime | None = None
    execution_date: AwareDatetime | None = None
    data_interval_start: AwareDatetime | None = None
    data_interval_end: AwareDatetime | None = None
    conf: dict[str, Any] | None = None
    note: str | None = Field(default=None, max_length=1000)

    @property
    def date(self) -> datetime | None:
        """The run's logical date; a 400 when execution_date and logical_date differ."""
        if (
            self.logical_date is not None
            and self.execution_date is not None
            and self.logical_date != self.execution_date
        ):
            raise HTTPException(
                400,
                "execution_date and logical_date are the same field and must not differ; "
                "give one of them.",
            )
        return self.logical_date or self.execution_date


class DagRunStateV1(RequestBody):
    """``PATCH /api/v1/dags/{dag_id}/dagRuns/{dag_run_id}``."""

    state: Literal["success", "failed", "queued"]


class DagRunNoteV1(RequestBody):
    """``PATCH …/dagRuns/{dag_run_id}/setNote``."""

    note: str = Field(max_length=1000)


class DagRunsBatchV1(RequestBody):
    """``POST /api/v1/dags/~/dagRuns/list``."""

    order_by: str | None = Field(default=None, max_length=200)
    page_offset: int = Field(default=0, ge=0, le=2**53)
    page_limit: int = Field(default=100, ge=1, le=2**53)
    dag_ids: list[str] | None = None
    states: list[DagRunState] | None = None
    execution_date_gte: AwareDatetime | None = None
    execution_date_lte: AwareDatetime | None = None
    start_date_gte: AwareDatetime | None = None
    start_date_lte: AwareDatetime | None = None
    end_date_gte: AwareDatetime | None = None
    end_date_lte: AwareDatetime | None = None


# -- task instances --------------------------------------------------------------------------


class TaskInstanceReadV1(ReadModel):
    task_id: str
    task_display_name: str
    dag_id: str
    dag_run_id: str
    execution_date: datetime | None
    start_date: datetime | None
    end_date: datetime | None
    duration: float | None
    state: str | None
    try_number: int
    map_index: int
    max_tries: int
    #: Airflow 2 sent strings here, empty when unknown.
    hostname: str
    unixname: str
    pool: str
    pool_slots: int
    queue: str | None
    priority_weight: int | None
    operator: str | None
    queued_when: datetime | None
    pid: int | None
    executor: str | None = None
    executor_config: str = "{}"
    sla_miss: dict[str, Any] | None = None
    rendered_map_index: str | None
    rendered_fields: dict[str, Any]
    trigger: dict[str, Any] | None
    triggerer_job: dict[str, Any] | None
    note: str | None


class TaskInstanceCollectionReadV1(ReadModel):
    task_instances: list[TaskInstanceReadV1]
    total_entries: int
