"""Task instances and their tries (Airflow's ``TaskInstanceResponse``…)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, Field

from tradewind.api.schemas.common import ReadModel, RequestBody
from tradewind.api.schemas.dags import DagVersionRead
from tradewind.contracts.states import TaskInstanceState


class TaskInstanceRead(ReadModel):
    id: str
    task_id: str
    dag_id: str
    dag_run_id: str
    map_index: int
    logical_date: datetime | None
    run_after: datetime
    start_date: datetime | None
    end_date: datetime | None
    duration: float | None
    state: TaskInstanceState | None
    try_number: int
    max_tries: int
    task_display_name: str
    dag_display_name: str
    hostname: str | None
    unixname: str | None = None
    pool: str
    pool_slots: int
    queue: str | None
    priority_weight: int | None
    operator: str | None
    operator_name: str | None
    queued_when: datetime | None
    scheduled_when: datetime | None = None
    pid: int | None
    executor: str | None = None
    executor_config: str = "{}"
    note: str | None
    rendered_map_index: str | None = None
    rendered_fields: dict[str, Any] = Field(default_factory=dict)
    trigger: dict[str, Any] | None = None
    triggerer_job: dict[str, Any] | None = None
    dag_version: DagVersionRead | None


class TaskInstanceCollectionRead(ReadModel):
    task_instances: list[TaskInstanceRead]
    total_entries: int


class TaskInstanceHistoryRead(ReadModel):
    task_id: str
    dag_id: str
    dag_run_id: str
    map_index: int
    start_date: datetime | None
    end_date: datetime | None
    duration: float | None
    state: TaskInstanceState | None
    try_number: int
    max_tries: int
    task_display_name: str
    dag_display_name: str
    hostname: str | None
    unixname: str | None = None
    pool: str
    pool_slots: int
    queue: str | None
    priority_weight: int | None
    operator: str | None
    operator_name: str | None
    queued_when: datetime | None
    scheduled_when: datetime | None = None
    pid: int | None
    executor: str | None = None
    executor_config: str = "{}"
    dag_version: DagVersionRead | None


class TaskInstanceHistoryCollectionRead(ReadModel):
    task_instances: list[TaskInstanceHistoryRead]
    total_entries: int


class TaskInstancePatch(RequestBody):
    """``PATCH …/taskInstances/{task_id}``: mark the instance, or set its note."""

    new_state: Literal["success", "failed", "skipped"] | None = None
    note: str | None = Field(None, max_length=1000)
    include_upstream: bool = False
    include_downstream: bool = False
    include_future: bool = False
    include_past: bool = False


TaskIdOrMapped = (
    Annotated[str, Field(min_length=1, max_length=250)]
    | tuple[Annotated[str, Field(min_length=1, max_length=250)], int]
)


class ClearTaskInstances(RequestBody):
    """``POST /dags/{dag_id}/clearTaskInstances``."""

    dry_run: bool = True
    start_date: AwareDatetime | None = None
    end_date: AwareDatetime | None = None
    only_failed: bool = True
    only_running: bool = False
    reset_dag_runs: bool = True
    task_ids: list[TaskIdOrMapped] | None = None
    dag_run_id: str | None = None
    include_upstream: bool = False
    include_downstream: bool = False
    include_future: bool = False
    include_past: bool = False
    run_on_latest_version: bool = False
    prevent_running_task: bool = False
    note: str | None = Field(None, max_length=1000)
