"""Turning a DAG's ``schedule=`` value into a timetable, as Airflow 3 does."""

from __future__ import annotations

from datetime import timedelta, tzinfo

from tradewind.errors import InvalidScheduleError
from tradewind.timetables.base import Timetable
from tradewind.timetables.cron import CRON_EXAMPLES, parse_cron
from tradewind.timetables.interval import CronDataIntervalTimetable, DeltaDataIntervalTimetable
from tradewind.timetables.simple import ContinuousTimetable, NullTimetable, OnceTimetable
from tradewind.timetables.trigger import CronTriggerTimetable, DeltaTriggerTimetable


def schedule_to_timetable(
    schedule: object,
    *,
    timezone: tzinfo,
    create_cron_data_intervals: bool = False,
) -> Timetable:
    """The timetable for a ``schedule`` value; ``timezone`` is the DAG's (its start_date's).

    * ``None`` → :class:`NullTimetable`; ``"@once"`` → :class:`OnceTimetable`;
      ``"@continuous"`` → :class:`ContinuousTimetable`; a Timetable → itself.
    * a cron expression or preset → :class:`CronTriggerTimetable`, or
      :class:`CronDataIntervalTimetable` with ``create_cron_data_intervals``;
    * a positive ``timedelta`` → :class:`DeltaTriggerTimetable`, or
      :class:`DeltaDataIntervalTimetable` with ``create_cron_data_intervals``. Airflow 3
      also has a ``create_delta_data_intervals`` setting, but does not read it: the cron
      flag decides for both, and so it does here.

    Asset schedules are the caller's to turn into :class:`AssetTriggeredTimetable`.
    Anything else raises :class:`~tradewind.errors.InvalidScheduleError`.
    """
    if schedule is None:
        return NullTimetable()
    if isinstance(schedule, Timetable):
        return schedule
    if isinstance(schedule, str):
        if schedule == "@once":
            return OnceTimetable()
        if schedule == "@continuous":
            return ContinuousTimetable()
        expression = parse_cron(schedule)
        if create_cron_data_intervals:
            return CronDataIntervalTimetable(expression, timezone)
        return CronTriggerTimetable(expression, timezone=timezone)
    if isinstance(schedule, timedelta):
        if create_cron_data_intervals:
            return DeltaDataIntervalTimetable(schedule)
        return DeltaTriggerTimetable(schedule)
    raise InvalidScheduleError(
        f"Invalid schedule {schedule!r} ({type(schedule).__name__}). {CRON_EXAMPLES} "
        "Asset schedules are also accepted by DAG(schedule=...)."
    )
