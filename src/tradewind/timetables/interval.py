"""Data-interval timetables: Airflow 2's meaning of a cron string or ``timedelta``.

Each run covers the span between two consecutive ticks, ``[start, end]``; its logical
date is ``start`` and it may run once ``end`` has passed. Used when
``create_cron_data_intervals=True`` or when a DAG passes one of these classes itself.

Choosing the next interval (Airflow semantics):

* ``catchup=True``: the interval after the last scheduled run; for the first run, the one
  starting at the first tick at or after ``start_date``.
* ``catchup=False``: never an interval older than the latest complete one before ``now``,
  and never one starting before ``start_date``.
* No run is returned if the interval *starts* after ``end_date`` (its end may be later).
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any, Self

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

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class _DataIntervalTimetable(Timetable):
    """What cron and delta data-interval timetables share: the choice of the next interval."""

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
    def _latest_start(self, now: datetime) -> datetime:
        """The start of the latest complete interval at ``now``, used when catchup is off."""

    def next_run_info(
        self,
        *,
        last_automated_data_interval: DataInterval | None,
        restriction: TimeRestriction,
        now: datetime,
    ) -> NextRunInfo | None:
        now = as_utc(now, "now")
        earliest = restriction.earliest
        if not restriction.catchup:
            skipped_to = self._latest_start(now)
            if earliest is not None:
                skipped_to = max(skipped_to, self._align_next(earliest))
            earliest = skipped_to
        elif earliest is not None:
            earliest = self._align_next(earliest)
        if last_automated_data_interval is None:
            if earliest is None:
                return None  # catchup with no start_date: nowhere to start from
            start = earliest
        else:
            # Aligning the previous end matters when the schedule changed since that run.
            start = self._align_prev(last_automated_data_interval.end)
            if earliest is not None:
                start = max(start, earliest)
        if restriction.latest is not None and start > restriction.latest:
            return None
        return NextRunInfo.interval(start, self._next_tick(start))


class CronDataIntervalTimetable(_DataIntervalTimetable):
    """Intervals between consecutive ticks of a cron expression evaluated in ``timezone``."""

    def __init__(self, cron: str, timezone: str | tzinfo) -> None:
        self._schedule = CronSchedule(parse_cron(cron), resolve_timezone(timezone))

    @property
    def expression(self) -> str:
        """The cron expression, presets expanded (``@daily`` → ``0 0 * * *``)."""
        return self._schedule.expression

    @property
    def timezone(self) -> tzinfo:
        return self._schedule.timezone

    @property
    def summary(self) -> str:
        return self._schedule.expression

    @property
    def description(self) -> str:
        return describe_cron(self._schedule.expression)

    def infer_manual_data_interval(self, *, run_after: datetime) -> DataInterval:
        # The last complete interval: a daily DAG triggered at 01:00 on the 25th covers
        # 00:00 on the 24th to 00:00 on the 25th.
        end = self._schedule.align_prev(as_utc(run_after, "run_after"))
        return DataInterval(self._schedule.prev_before(end), end)

    def _next_tick(self, moment: datetime) -> datetime:
        return self._schedule.next_after(moment)

    def _align_next(self, moment: datetime) -> datetime:
        return self._schedule.align_next(moment)

    def _align_prev(self, moment: datetime) -> datetime:
        return self._schedule.align_prev(moment)

    def _latest_start(self, now: datetime) -> datetime:
        # When ``now`` is exactly a tick, the interval ending now is complete.
        return self._schedule.prev_before(self._schedule.align_prev(now))

    def _fields(self) -> dict[str, Any]:
        return {
            "expression": self._schedule.expression,
            "timezone": encode_timezone(self._schedule.timezone),
        }

    @classmethod
    def _from_fields(cls, fields: Mapping[str, Any]) -> Self:
        return cls(fields["expression"], decode_timezone(fields["timezone"]))


class DeltaDataIntervalTimetable(_DataIntervalTimetable):
    """Back-to-back intervals of ``delta`` absolute time, starting at start_date."""

    def __init__(self, delta: timedelta) -> None:
        self._delta = check_delta(delta)

    @property
    def delta(self) -> timedelta:
        return self._delta

    @property
    def summary(self) -> str:
        return str(self._delta)

    @property
    def description(self) -> str:
        return f"Every {describe_duration(self._delta)}"

    def infer_manual_data_interval(self, *, run_after: datetime) -> DataInterval:
        run_after = as_utc(run_after, "run_after")
        return DataInterval(run_after - self._delta, run_after)

    def _next_tick(self, moment: datetime) -> datetime:
        return moment + self._delta

    # A delta has no grid of its own: every instant is a possible tick.
    def _align_next(self, moment: datetime) -> datetime:
        return moment

    def _align_prev(self, moment: datetime) -> datetime:
        return moment

    def _latest_start(self, now: datetime) -> datetime:
        # Airflow rounds ``now`` down to a whole multiple of ``delta`` since the Unix
        # epoch, not to start_date's grid; kept so skipped runs land where Airflow's do.
        elapsed = now - _EPOCH
        return _EPOCH + (elapsed - elapsed % self._delta) - self._delta

    def _fields(self) -> dict[str, Any]:
        return {"delta": encode_duration(self._delta)}

    @classmethod
    def _from_fields(cls, fields: Mapping[str, Any]) -> Self:
        return cls(decode_duration(fields["delta"]))
