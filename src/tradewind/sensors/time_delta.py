"""``TimeDeltaSensor``: wait until a time span has passed after the run's data interval.

The target is ``data_interval_end + delta``, as in Airflow: a daily run for Monday waits
until Tuesday 00:00 plus ``delta``. A run whose data interval is empty or missing (a manual
run, a trigger-style schedule) counts from its logical date, else from its ``run_after``.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from tradewind.sensors.base import BaseSensorOperator, deferrable_mode

__all__ = ["TimeDeltaSensor", "TimeDeltaSensorAsync", "base_time_of_run"]

log = logging.getLogger(__name__)


def _aware(moment: datetime) -> datetime:
    # Naive datetimes are UTC, as everywhere in Tradewind.
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def base_time_of_run(context: Any) -> datetime:
    """The moment a run's time-based waits count from (see the module docstring)."""
    start = context.get("data_interval_start")
    end = context.get("data_interval_end")
    if end is not None and (start is None or start != end):
        return _aware(end)
    logical_date = context.get("logical_date")
    if logical_date is not None:
        return _aware(logical_date)
    run_after = getattr(context.get("dag_run"), "run_after", None)
    if run_after is not None:
        return _aware(run_after)
    if end is not None:
        return _aware(end)
    raise ValueError(
        "Cannot tell when this run's wait starts: the task context has no "
        "data_interval_end, logical_date or dag_run.run_after."
    )


class TimeDeltaSensor(BaseSensorOperator):
    """Wait until ``delta`` after the end of the run's data interval.

    ``deferrable=True`` (Airflow's flag) runs the sensor in reschedule mode.
    """

    def __init__(
        self,
        *,
        delta: timedelta,
        deferrable: bool = False,
        mode: str = "poke",
        **kwargs: Any,
    ) -> None:
        super().__init__(mode=deferrable_mode(mode, deferrable), **kwargs)
        if not isinstance(delta, timedelta):
            raise TypeError(f"delta of sensor {self.task_id!r} must be a timedelta, got {delta!r}.")
        self.delta = delta
        self.deferrable = deferrable

    def target_time(self, context: Any) -> datetime:
        """When the wait ends for the run of ``context``."""
        return base_time_of_run(context) + self.delta

    def poke(self, context: Any) -> bool:
        target = self.target_time(context)
        log.info("Checking if the time (%s) has come", target.isoformat())
        return datetime.now(UTC) >= target

    def _seconds_until_ready(self, context: Any) -> float | None:
        return (self.target_time(context) - datetime.now(UTC)).total_seconds()


class TimeDeltaSensorAsync(TimeDeltaSensor):
    """Airflow's deferrable variant; here a :class:`TimeDeltaSensor` in reschedule mode."""

    def __init__(self, *, deferrable: bool = True, **kwargs: Any) -> None:
        super().__init__(deferrable=deferrable, **kwargs)
