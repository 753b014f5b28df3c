"""Workloads: what the scheduler hands to an executor. Data only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tradewind.contracts.runs import DagRunInfo, TaskInstanceKey


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
    #: Seconds the try may run; the supervisor kills it some time after.
    execution_timeout: float | None = None
    #: When the first poke of a rescheduled sensor started (its timeout counts from there).
    reschedule_start_date: datetime | None = None
    #: The run as the scheduler knew it when it queued the try, so the task need not ask for
    #: it; None: the task asks its execution client.
    run: DagRunInfo | None = None


@dataclass(frozen=True, slots=True)
class RunDagCallbacks:
    """Call a DAG's ``on_success_callback`` or ``on_failure_callback``: its run has ended."""

    run: DagRunInfo
    dag_file: str
    #: Which callbacks: the run succeeded (``on_success_callback``) or failed.
    success: bool
    #: Why the run ended as it did (the context's ``reason``).
    reason: str
    dag_version: str | None = None
