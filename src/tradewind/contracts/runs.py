"""What a running task may know about its DAG run and its own task instance."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class DagRunType(StrEnum):
    """Why a DAG run exists."""

    MANUAL = "manual"
    SCHEDULED = "scheduled"
    BACKFILL = "backfill"
    ASSET_TRIGGERED = "asset_triggered"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True)
class TaskInstanceKey:
    """Identifies one try of one task instance; an event for a stale key is ignored."""

    dag_id: str
    run_id: str
    task_id: str
    map_index: int = -1
    try_number: int = 1

    def without_try(self) -> tuple[str, str, str, int]:
        return (self.dag_id, self.run_id, self.task_id, self.map_index)


@dataclass(frozen=True, slots=True)
class DagRunInfo:
    """The facts about a DAG run that templates and task code can read."""

    dag_id: str
    run_id: str
    run_type: DagRunType
    logical_date: datetime | None
    data_interval_start: datetime | None
    data_interval_end: datetime | None
    run_after: datetime
    start_date: datetime | None = None
    conf: dict[str, Any] = field(default_factory=dict)
    note: str | None = None
    prev_data_interval_start_success: datetime | None = None
    prev_data_interval_end_success: datetime | None = None
    prev_start_date_success: datetime | None = None
    triggering_asset_events: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
