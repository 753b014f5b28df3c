"""Workloads: what the scheduler hands to an executor. Data only."""

from __future__ import annotations

from dataclasses import dataclass

from tradewind.contracts.runs import TaskInstanceKey


@dataclass(frozen=True, slots=True)
class ExecuteTask:
    """Run one try of one task instance."""

    key: TaskInstanceKey
    dag_file: str
    dag_version: str | None = None
    queue: str = "default"
    priority: int = 1
    pool_slots: int = 1
    #: The try may be retried while its try_number is at most this.
    max_tries: int = 0
