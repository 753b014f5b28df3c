"""``airflow.exceptions`` on Tradewind: Airflow's exception names for Tradewind's own classes.

The task-steering exceptions are Tradewind's signals themselves, so raising
``AirflowSkipException`` skips the task and ``AirflowFailException`` fails it without retries.
They derive from ``BaseException`` (see :mod:`tradewind.exceptions`), so ``except
AirflowException`` does not catch them, as it would in Airflow; it catches every error
Tradewind raises on purpose (``AirflowException`` is :class:`~tradewind.errors.TradewindError`).
"""

from __future__ import annotations

from tradewind.errors import (
    ConfigError,
    DagCycleError,
    DagNotFoundError,
    DuplicateTaskIdError,
    ParamValidationError,
    TaskNotFoundError,
    TradewindError,
    XComNotFoundError,
)
from tradewind.exceptions import FailTask, RescheduleTask, SensorTimeout, SkipTask, TaskTimeout

__all__ = [
    "AirflowBadRequest",
    "AirflowConfigException",
    "AirflowDagCycleException",
    "AirflowException",
    "AirflowFailException",
    "AirflowNotFoundException",
    "AirflowProviderDeprecationWarning",
    "AirflowRescheduleException",
    "AirflowSensorTimeout",
    "AirflowSkipException",
    "AirflowTaskTimeout",
    "DagNotFound",
    "DuplicateTaskIdFound",
    "ParamValidationError",
    "RemovedInAirflow3Warning",
    "TaskNotFound",
    "XComNotFound",
]

AirflowException = TradewindError
AirflowSkipException = SkipTask
AirflowFailException = FailTask
AirflowSensorTimeout = SensorTimeout
AirflowTaskTimeout = TaskTimeout
AirflowRescheduleException = RescheduleTask
AirflowConfigException = ConfigError
AirflowDagCycleException = DagCycleError
DuplicateTaskIdFound = DuplicateTaskIdError
DagNotFound = DagNotFoundError
TaskNotFound = TaskNotFoundError
XComNotFound = XComNotFoundError


class AirflowNotFoundException(TradewindError):
    """Something a DAG file or task asked for (a connection, mostly) does not exist."""

    status_code = 404


class AirflowBadRequest(TradewindError):
    """A request with bad input."""

    status_code = 400


class RemovedInAirflow3Warning(DeprecationWarning):
    """Airflow's warning category for features removed in Airflow 3 (never issued here)."""


class AirflowProviderDeprecationWarning(DeprecationWarning):
    """Airflow's warning category for deprecated provider features (never issued here)."""
