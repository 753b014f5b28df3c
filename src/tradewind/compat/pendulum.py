"""A minimal stand-in for the ``pendulum`` library, used only when pendulum is not installed.

Airflow DAG files often write ``pendulum.datetime(2024, 1, 1, tz="UTC")`` or
``pendulum.today("UTC").add(days=-1)``. This module covers those basics with the standard
library (``zoneinfo``): :func:`datetime`, :func:`now`, :func:`today`, :func:`yesterday`,
:func:`tomorrow`, :func:`parse`, :func:`from_timestamp`, :func:`instance`, :func:`timezone`,
:func:`duration`, :data:`UTC`, and the ``DateTime`` methods ``add``, ``subtract``,
``start_of``, ``end_of``, ``in_timezone``, ``naive`` and the ``to_*_string`` formatters.
Everything else needs the real library: ``pip install pendulum``.

Differences from pendulum: ``now()``/``today()`` without a zone use the local zone the OS
reports (UTC when it cannot be told); ``duration(years=, months=)`` counts 365 and 30 days.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import os
from pathlib import Path
from typing import Any, Self, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "UTC",
    "Date",
    "DateTime",
    "Duration",
    "Timezone",
    "date",
    "datetime",
    "duration",
    "from_timestamp",
    "instance",
    "local_timezone",
    "now",
    "parse",
    "timezone",
    "today",
    "tomorrow",
    "yesterday",
]

__version__ = "3.0.0+tradewind.shim"

_T = TypeVar("_T", bound=_dt.datetime)

Timezone = ZoneInfo
Date = _dt.date
try:
    UTC: _dt.tzinfo = ZoneInfo("UTC")
except ZoneInfoNotFoundError:  # no time zone database on this machine: the fixed UTC zone
    UTC = _dt.UTC

_UNITS = ("second", "minute", "hour", "day", "week", "month", "year")


def local_timezone() -> _dt.tzinfo:
    """The OS's zone: ``$TZ``, then ``/etc/timezone``, then ``/etc/localtime``; else UTC."""
    candidates = [os.environ.get("TZ", "").lstrip(":")]
    with contextlib.suppress(OSError):
        candidates.append(Path("/etc/timezone").read_text().strip())
    with contextlib.suppress(OSError):
        target = str(Path("/etc/localtime").resolve())
        if "zoneinfo/" in target:
            candidates.append(target.split("zoneinfo/", 1)[1])
    for name in candidates:
        if name:
            try:
                return ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return UTC


def timezone(name: str | _dt.tzinfo) -> _dt.tzinfo:
    """The zone called ``name`` (``"UTC"``, ``"Europe/Amsterdam"``, ``"local"``)."""
    if isinstance(name, _dt.tzinfo):
        return name
    if name == "local":
        return local_timezone()
    if name.upper() == "UTC":
        return UTC
    return ZoneInfo(name)


def _zone(tz: str | _dt.tzinfo | None) -> _dt.tzinfo | None:
    return None if tz is None else timezone(tz)


class Duration(_dt.timedelta):
    """A ``timedelta`` with pendulum's ``in_*`` readers."""

    def in_weeks(self) -> int:
        return self.days // 7

    def in_days(self) -> int:
        return self.days

    def in_hours(self) -> int:
        return int(self.total_seconds() // 3600)

    def in_minutes(self) -> int:
        return int(self.total_seconds() // 60)

    def in_seconds(self) -> int:
        return int(self.total_seconds())


def duration(
    days: float = 0,
    seconds: float = 0,
    microseconds: float = 0,
    milliseconds: float = 0,
    minutes: float = 0,
    hours: float = 0,
    weeks: float = 0,
    years: int = 0,
    months: int = 0,
) -> Duration:
    """A :class:`Duration`; ``years`` count 365 days and ``months`` 30 days."""
    return Duration(
        days=days + 365 * years + 30 * months,
        seconds=seconds,
        microseconds=microseconds,
        milliseconds=milliseconds,
        minutes=minutes,
        hours=hours,
        weeks=weeks,
    )


def _add_months(moment: _T, months: int) -> _T:
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    following = _dt.date(year + month // 12, month % 12 + 1, 1)
    last_day = (following - _dt.timedelta(days=1)).day
    return moment.replace(year=year, month=month, day=min(moment.day, last_day))


class DateTime(_dt.datetime):
    """A ``datetime`` with pendulum's most used methods."""

    def add(
        self,
        years: int = 0,
        months: int = 0,
        weeks: int = 0,
        days: int = 0,
        hours: float = 0,
        minutes: float = 0,
        seconds: float = 0,
        microseconds: int = 0,
    ) -> Self:
        """Calendar units move the wall clock; hours and smaller move absolute time."""
        moved = _add_months(self, 12 * years + months) + _dt.timedelta(weeks=weeks, days=days)
        exact = _dt.timedelta(
            hours=hours, minutes=minutes, seconds=seconds, microseconds=microseconds
        )
        if not exact:
            return moved
        if moved.tzinfo is None:
            return moved + exact
        return (moved.astimezone(_dt.UTC) + exact).astimezone(moved.tzinfo)

    def subtract(self, **units: float) -> Self:
        return self.add(**{name: -value for name, value in units.items()})  # type: ignore[arg-type]

    def start_of(self, unit: str) -> Self:
        """The first moment of this ``unit`` (second … year; weeks start on Monday)."""
        if unit not in _UNITS:
            raise ValueError(f"start_of() takes one of {', '.join(_UNITS)}; got {unit!r}.")
        moment = self.replace(microsecond=0)
        if unit in ("minute", "hour", "day", "week", "month", "year"):
            moment = moment.replace(second=0)
        if unit in ("hour", "day", "week", "month", "year"):
            moment = moment.replace(minute=0)
        if unit in ("day", "week", "month", "year"):
            moment = moment.replace(hour=0)
        if unit == "week":
            moment = moment - _dt.timedelta(days=moment.weekday())
        if unit in ("month", "year"):
            moment = moment.replace(day=1)
        if unit == "year":
            moment = moment.replace(month=1)
        return moment

    def end_of(self, unit: str) -> Self:
        """The last microsecond of this ``unit``."""
        start = self.start_of(unit)
        if unit == "year":
            following = start.add(years=1)
        elif unit == "month":
            following = start.add(months=1)
        elif unit == "week":
            following = start.add(weeks=1)
        else:
            following = start + _dt.timedelta(**{f"{unit}s": 1})
        return following - _dt.timedelta(microseconds=1)

    def in_timezone(self, tz: str | _dt.tzinfo) -> Self:
        return self.astimezone(timezone(tz))

    in_tz = in_timezone

    def naive(self) -> Self:
        return self.replace(tzinfo=None)

    @property
    def timezone(self) -> _dt.tzinfo | None:
        return self.tzinfo

    tz = timezone

    @property
    def timezone_name(self) -> str | None:
        return getattr(self.tzinfo, "key", None) or (self.tzname() if self.tzinfo else None)

    @property
    def int_timestamp(self) -> int:
        return int(self.timestamp())

    def to_date_string(self) -> str:
        return self.strftime("%Y-%m-%d")

    def to_time_string(self) -> str:
        return self.strftime("%H:%M:%S")

    def to_datetime_string(self) -> str:
        return self.strftime("%Y-%m-%d %H:%M:%S")

    def to_iso8601_string(self) -> str:
        text = self.isoformat()
        return text[:-6] + "Z" if self.utcoffset() == _dt.timedelta(0) else text

    def __repr__(self) -> str:
        return f"DateTime({self.isoformat()!r})"


def _make(moment: _dt.datetime) -> DateTime:
    return DateTime(
        moment.year,
        moment.month,
        moment.day,
        moment.hour,
        moment.minute,
        moment.second,
        moment.microsecond,
        tzinfo=moment.tzinfo,
        fold=moment.fold,
    )


def datetime(
    year: int,
    month: int,
    day: int,
    hour: int = 0,
    minute: int = 0,
    second: int = 0,
    microsecond: int = 0,
    tz: str | _dt.tzinfo | None = UTC,
    fold: int = 1,
) -> DateTime:
    """An aware :class:`DateTime` (UTC unless ``tz`` says otherwise; ``tz=None``: naive)."""
    return DateTime(year, month, day, hour, minute, second, microsecond, _zone(tz), fold=fold)


def now(tz: str | _dt.tzinfo | None = None) -> DateTime:
    return _make(_dt.datetime.now(timezone(tz) if tz is not None else local_timezone()))


def today(tz: str | _dt.tzinfo = "local") -> DateTime:
    return now(tz).start_of("day")


def yesterday(tz: str | _dt.tzinfo = "local") -> DateTime:
    return today(tz).subtract(days=1)


def tomorrow(tz: str | _dt.tzinfo = "local") -> DateTime:
    return today(tz).add(days=1)


def date(year: int, month: int, day: int) -> _dt.date:
    return _dt.date(year, month, day)


def instance(moment: _dt.datetime, tz: str | _dt.tzinfo | None = UTC) -> DateTime:
    """``moment`` as a :class:`DateTime`; a naive one gets ``tz``."""
    if moment.tzinfo is None and tz is not None:
        moment = moment.replace(tzinfo=timezone(tz))
    return _make(moment)


def from_timestamp(timestamp: float, tz: str | _dt.tzinfo = UTC) -> DateTime:
    return _make(_dt.datetime.fromtimestamp(timestamp, timezone(tz)))


def parse(text: str, tz: str | _dt.tzinfo | None = UTC, **options: Any) -> DateTime:
    """An ISO 8601 date or date-time; a result without an offset gets ``tz``."""
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    parsed = _dt.datetime.fromisoformat(value)
    return instance(parsed, tz)
