"""Trigger timetables: a run at each tick, covering a fixed span that ends at the tick.

These are Airflow 3's defaults for cron strings, presets and ``timedelta`` schedules.
A run triggered at ``T`` has ``run_after = T`` and data interval ``[T - interval, T]``;
``interval`` defaults to zero, so by default ``logical_date == T``. Like Airflow, the
logical date is the data interval's start, so a non-zero ``interval`` moves it back.

Choosing the next tick (Airflow 3 semantics):

* ``catchup=True``: the tick after the last scheduled run; for the first run, the first
  tick at or after ``start_date``; with no ``start_date``, a tick near ``now``.
* ``catchup=False``: the latest of the last tick at or before ``now``, the tick after the
  last scheduled run, and the first tick at or after ``start_date`` — so a DAG resumed
  after a pause (or started in the past) runs its most recent missed tick only.
* No run is returned if that tick is after ``end_date``.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Mapping
from datetime import datetime, timedelta, tzinfo
from typing import Any, Self

from tradewind.errors import InvalidScheduleError
from tradewind.timetables.base import (
    DataInterval,
    NextRunInfo,
    TimeRestriction,
    Timetable,
    as_utc,
)
from tradewind.timetables.cron import CronSchedule, parse_cron
from tradewind.timetables.describe import describe_cron
from tradewind.timetables.durations import (
    check_delta,
    decode_duration,
    describe_duration,
    encode_duration,
)
from tradewind.timetables.zones import decode_timezone, encode_timezone, resolve_timezone


class _TriggerTimetable(Timetable):
    """What cron and delta trigger timetables share: the choice of the next tick."""

    _interval: timedelta

    @abstractmethod
    def _next_tick(self, moment: datetime) -> datetime:
        """The first tick strictly after ``moment``."""

    @abstractmethod
    def _align_next(self, moment: datetime) -> datetime:
        """``moment`` if it is a tick, else the next tick."""

    @abstractmethod
    def _align_prev(self, moment: datetime) -> datetime:
        """``moment`` if it is a tick, else the previous tick."""

    @abstractmethod
    def _first_tick(self, now: datetime) -> datetime:
        """The first tick of a DAG that has no start_date and no runs yet."""

    @property
    def interval(self) -> timedelta:
        """How far before the trigger time each run's data interval starts."""
        return self._interval

    def infer_manual_data_interval(self, *, run_after: datetime) -> DataInterval:
        run_after = as_utc(run_after, "run_after")
        return DataInterval(run_after - self._interval, run_after)

    def next_run_info(
        self,
        *,
        last_automated_data_interval: DataInterval | None,
        restriction: TimeRestriction,
        now: datetime,
    ) -> NextRunInfo | None:
        now = as_utc(now, "now")
        last = last_automated_data_interval
        earliest = restriction.earliest
        if restriction.catchup:
            if last is not None:
                tick = self._next_tick(last.end)
            elif earliest is None:
                tick = self._first_tick(now)
            else:
                tick = self._align_next(earliest)
        else:
            candidates = [self._align_prev(now)]
            if last is not None:
                candidates.append(self._next_tick(last.end))
            elif earliest is None:
                candidates.append(self._first_tick(now))
            if earliest is not None:
                candidates.append(self._align_next(earliest))
            tick = max(candidates)
        if restriction.latest is not None and tick > restriction.latest:
            return None
        return NextRunInfo.interval(tick - self._interval, tick)


def _check_interval(interval: object) -> timedelta:
    if not isinstance(interval, timedelta) or interval < timedelta(0):
        raise InvalidScheduleError(
            f"A trigger timetable's interval must be a timedelta of zero or more, got "
            f"{interval!r}; it is how far before each trigger time the data interval starts."
        )
    return interval


class CronTriggerTimetable(_TriggerTimetable):
    """Runs at each tick of a cron expression, evaluated in ``timezone``.

    ``run_immediately`` only matters for a DAG with no start_date and no runs yet: True
    runs the most recent past tick at once; a timedelta runs it only if it passed at most
    that long ago; False and None run it only if it passed within 10% of the gap between
    ticks (at least 5 minutes), else wait for the next tick — as Airflow does.
    """

    def __init__(
        self,
        cron: str,
        *,
        timezone: str | tzinfo,
        interval: timedelta = timedelta(0),
        run_immediately: bool | timedelta | None = False,
    ) -> None:
        if run_immediately is not None and not isinstance(run_immediately, bool | timedelta):
            raise InvalidScheduleError(
                f"run_immediately must be True, False, None or a timedelta, got "
                f"{run_immediately!r}."
            )
        self._schedule = CronSchedule(parse_cron(cron), resolve_timezone(timezone))
        self._interval = _check_interval(interval)
        self._run_immediately = run_immediately

    @property
    def expression(self) -> str:
        """The cron expression, presets expanded (``@daily`` → ``0 0 * * *``)."""
        return self._schedule.expression

    @property
    def timezone(self) -> tzinfo:
        return self._schedule.timezone

    @property
    def run_immediately(self) -> bool | timedelta | None:
        return self._run_immediately

    @property
    def summary(self) -> str:
        return self._schedule.expression

    @property
    def description(self) -> str:
        return describe_cron(self._schedule.expression)

    def _next_tick(self, moment: datetime) -> datetime:
        return self._schedule.next_after(moment)

    def _align_next(self, moment: datetime) -> datetime:
        return self._schedule.align_next(moment)

    def _align_prev(self, moment: datetime) -> datetime:
        return self._schedule.align_prev(moment)

    def _first_tick(self, now: datetime) -> datetime:
        past = self._schedule.align_prev(now)
        if self._run_immediately is True:
            return past
        upcoming = self._schedule.align_next(now)
        if isinstance(self._run_immediately, timedelta):
            limit = self._run_immediately
        else:
            # False and None both allow a tick that passed within 10% of the gap between
            # ticks (at least 5 minutes): Airflow's code and tests do this for False too,
            # whatever its docstring says, and matching runs matters more than the wording.
            limit = max((upcoming - past) / 10, timedelta(minutes=5))
        return past if now - past <= limit else upcoming

    def _fields(self) -> dict[str, Any]:
        run_immediately = self._run_immediately
        return {
            "expression": self._schedule.expression,
            "timezone": encode_timezone(self._schedule.timezone),
            "interval": encode_duration(self._interval),
            "run_immediately": (
                encode_duration(run_immediately)
                if isinstance(run_immediately, timedelta)
                else run_immediately
            ),
        }

    @classmethod
    def _from_fields(cls, fields: Mapping[str, Any]) -> Self:
        run_immediately = fields["run_immediately"]
        return cls(
            fields["expression"],
            timezone=decode_timezone(fields["timezone"]),
            interval=decode_duration(fields["interval"]),
            run_immediately=(
                decode_duration(run_immediately)
                if isinstance(run_immediately, dict)
                else run_immediately
            ),
        )


class DeltaTriggerTimetable(_TriggerTimetable):
    """Runs every ``delta`` of absolute time, starting at start_date (or ``now``)."""

    def __init__(self, delta: timedelta, *, interval: timedelta = timedelta(0)) -> None:
        self._delta = check_delta(delta)
        self._interval = _check_interval(interval)

    @property
    def delta(self) -> timedelta:
        return self._delta

    @property
    def summary(self) -> str:
        return str(self._delta)

    @property
    def description(self) -> str:
        return f"Every {describe_duration(self._delta)}"

    def _next_tick(self, moment: datetime) -> datetime:
        return moment + self._delta

    # A delta has no grid of its own: every instant is a possible tick.
    def _align_next(self, moment: datetime) -> datetime:
        return moment

    def _align_prev(self, moment: datetime) -> datetime:
        return moment

    def _first_tick(self, now: datetime) -> datetime:
        return now

    def _fields(self) -> dict[str, Any]:
        return {"delta": encode_duration(self._delta), "interval": encode_duration(self._interval)}

    @classmethod
    def _from_fields(cls, fields: Mapping[str, Any]) -> Self:
        return cls(decode_duration(fields["delta"]), interval=decode_duration(fields["interval"]))
