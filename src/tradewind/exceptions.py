"""Exceptions that user code raises to steer its own task.

``SkipTask``, ``FailTask`` and ``RescheduleTask`` derive from ``BaseException`` (through
:class:`TaskSignal`) so that a task's own ``except Exception`` cannot swallow them. Any other
exception a task raises fails the try, and the task is retried while it has retries left.
"""

from __future__ import annotations

from datetime import datetime

from tradewind.errors import (
    DagCycleError,
    ParamValidationError,
    TemplateRenderError,
    TradewindError,
)

__all__ = [
    "DagCycleError",
    "FailTask",
    "ParamValidationError",
    "RescheduleTask",
    "SensorTimeout",
    "SkipTask",
    "TaskSignal",
    "TaskTimeout",
    "TemplateRenderError",
    "TradewindError",
]


class TaskSignal(BaseException):
    """Base of the signals a task raises to choose its own outcome."""


class SkipTask(TaskSignal):
    """Mark the running task as skipped."""


class FailTask(TaskSignal):
    """Fail the running task at once, without using its remaining retries."""


class SensorTimeout(FailTask):
    """A sensor waited longer than its timeout; it fails without retrying."""


class TaskTimeout(Exception):
    """The task ran past its execution_timeout; the try fails and may be retried."""


class RescheduleTask(TaskSignal):
    """Free the worker slot and run the task again at ``reschedule_date`` (sensors)."""

    def __init__(self, reschedule_date: datetime) -> None:
        super().__init__(f"rescheduled for {reschedule_date.isoformat()}")
        self.reschedule_date = reschedule_date
