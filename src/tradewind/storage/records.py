"""Records of the run store: plain data, no business methods."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tradewind.contracts.runs import DagRunType
from tradewind.contracts.states import DagRunState, TaskInstanceState


@dataclass(slots=True)
class DagRunRecord:
    dag_id: str
    run_id: str
    run_type: DagRunType
    logical_date: datetime | None
    data_interval_start: datetime | None
    data_interval_end: datetime | None
    run_after: datetime
    state: DagRunState = DagRunState.QUEUED
    conf: dict[str, Any] = field(default_factory=dict)
    dag_version: str | None = None
    queued_at: datetime | None = None
    start_date: datetime | None = None
    end_date: datetime | None = None
    note: str | None = None
    #: Why the run ended as it did (deadlock, timeout, failed leaves…).
    reason: str | None = None


@dataclass(slots=True)
class TaskInstanceRecord:
    dag_id: str
    run_id: str
    task_id: str
    map_index: int = -1
    #: None is "no status yet": the task waits for its upstream tasks.
    state: TaskInstanceState | None = None
    try_number: int = 0
    max_tries: int = 0
    priority: int = 1
    pool: str = "default_pool"
    pool_slots: int = 1
    queue: str = "default"
    operator: str = ""
    queued_at: datetime | None = None
    start_date: datetime | None = None
    end_date: datetime | None = None
    #: Not before this time (retry delay or sensor reschedule).
    next_attempt_at: datetime | None = None
    #: When the first try of a rescheduled sensor started.
    reschedule_start_date: datetime | None = None
    error: str | None = None
    hostname: str | None = None
    pid: int | None = None
    #: Lengths of pushed list/dict XComs by key, for mapping downstream tasks over them.
    xcom_lengths: dict[str, int] = field(default_factory=dict)
    note: str | None = None

    @property
    def key(self) -> tuple[str, str, str, int]:
        return (self.dag_id, self.run_id, self.task_id, self.map_index)

    @property
    def duration(self) -> float | None:
        if self.start_date is None or self.end_date is None:
            return None
        return (self.end_date - self.start_date).total_seconds()


@dataclass(slots=True)
class TaskTryRecord:
    """One finished try of a task instance (history)."""

    dag_id: str
    run_id: str
    task_id: str
    map_index: int
    try_number: int
    state: TaskInstanceState
    start_date: datetime | None
    end_date: datetime | None
    error: str | None = None
    hostname: str | None = None
