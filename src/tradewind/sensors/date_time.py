"""``DateTimeSensor``: wait until a given moment.

``target_time`` is a datetime or an ISO 8601 string, which may be a template
(``"{{ data_interval_end + macros.timedelta(hours=2) }}"``). Naive times are UTC.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from tradewind.sensors.base import BaseSensorOperator, deferrable_mode

__all__ = ["DateTimeSensor", "DateTimeSensorAsync", "parse_target_time"]

log = logging.getLogger(__name__)


def parse_target_time(task_id: str, value: str | datetime) -> datetime:
    """``value`` as an aware datetime; a clear error for text that is not ISO 8601."""
    if isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(
                f"target_time of sensor {task_id!r} must be an ISO 8601 date and time such "
                f"as '2024-05-01T06:00:00+00:00'; got {value!r}."
            ) from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


class DateTimeSensor(BaseSensorOperator):
    """Wait until ``target_time`` (templated). ``deferrable=True`` uses reschedule mode."""

    template_fields: Sequence[str] = ("target_time",)

    def __init__(
        self,
        *,
        target_time: str | datetime,
        deferrable: bool = False,
        mode: str = "poke",
        **kwargs: Any,
    ) -> None:
        super().__init__(mode=deferrable_mode(mode, deferrable), **kwargs)
        # Kept as text, as Airflow does, so that the field is always a template (native
        # rendering may still turn it back into a datetime, which poke accepts).
        if isinstance(target_time, datetime):
            self.target_time: str | datetime = target_time.isoformat()
        elif isinstance(target_time, str):
            self.target_time = target_time
        else:
            raise TypeError(
                f"target_time of sensor {self.task_id!r} must be a datetime or an ISO 8601 "
                f"string, got {type(target_time).__name__}."
            )
        self.deferrable = deferrable

    def poke(self, context: Any) -> bool:
        target = parse_target_time(self.task_id, self.target_time)
        log.info("Checking if the time (%s) has come", target.isoformat())
        return datetime.now(UTC) >= target

    def _seconds_until_ready(self, context: Any) -> float | None:
        target = parse_target_time(self.task_id, self.target_time)
        return (target - datetime.now(UTC)).total_seconds()


class DateTimeSensorAsync(DateTimeSensor):
    """Airflow's deferrable variant; here a :class:`DateTimeSensor` in reschedule mode."""

    def __init__(self, *, deferrable: bool = True, **kwargs: Any) -> None:
        super().__init__(deferrable=deferrable, **kwargs)
