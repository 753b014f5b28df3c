"""``airflow.utils.timezone``: aware-datetime helpers, built on the standard library.

Naive datetimes are taken as UTC, as everywhere in Tradewind (Airflow uses its configured
default time zone, which is UTC unless changed).
"""

from __future__ import annotations

import datetime as dt
from datetime import UTC, tzinfo
from zoneinfo import ZoneInfo

__all__ = [
    "coerce_datetime",
    "convert_to_utc",
    "datetime",
    "is_localized",
    "is_naive",
    "make_aware",
    "make_naive",
    "parse",
    "utc",
    "utc_epoch",
    "utcnow",
]

utc: tzinfo = UTC


def _zone(value: str | tzinfo | None) -> tzinfo:
    if value is None:
        return UTC
    if isinstance(value, str):
        return UTC if value.upper() == "UTC" else ZoneInfo(value)
    return value


def utcnow() -> dt.datetime:
    """The current time, aware, in UTC."""
    return dt.datetime.now(UTC)


def utc_epoch() -> dt.datetime:
    """1970-01-01 00:00 UTC."""
    return dt.datetime(1970, 1, 1, tzinfo=UTC)


def is_localized(value: dt.datetime) -> bool:
    """Whether ``value`` is aware (has a UTC offset)."""
    return value.utcoffset() is not None


def is_naive(value: dt.datetime) -> bool:
    return not is_localized(value)


def make_aware(
    value: dt.datetime | None, timezone: str | tzinfo | None = None
) -> dt.datetime | None:
    """``value`` with ``timezone`` (default UTC) attached; refuses an aware value."""
    if value is None:
        return None
    if is_localized(value):
        raise ValueError(f"make_aware expects a naive datetime, got {value}")
    return value.replace(tzinfo=_zone(timezone))


def make_naive(value: dt.datetime, timezone: str | tzinfo | None = None) -> dt.datetime:
    """The wall-clock time of aware ``value`` in ``timezone`` (default UTC), without zone."""
    if is_naive(value):
        raise ValueError("make_naive() cannot be applied to a naive datetime")
    return value.astimezone(_zone(timezone)).replace(tzinfo=None)


def convert_to_utc(value: dt.datetime | None) -> dt.datetime | None:
    """``value`` in UTC; a naive value is taken as UTC."""
    if value is None:
        return None
    if is_naive(value):
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def coerce_datetime(
    value: dt.datetime | None, tz: str | tzinfo | None = None
) -> dt.datetime | None:
    """``value`` made aware (naive values get ``tz``, default UTC)."""
    if value is None:
        return None
    return value if is_localized(value) else value.replace(tzinfo=_zone(tz))


def datetime(
    year: int,
    month: int,
    day: int,
    hour: int = 0,
    minute: int = 0,
    second: int = 0,
    microsecond: int = 0,
    tzinfo: str | tzinfo | None = None,
    *,
    fold: int = 0,
) -> dt.datetime:
    """``datetime.datetime(...)``, aware: UTC unless ``tzinfo`` is given."""
    return dt.datetime(
        year, month, day, hour, minute, second, microsecond, _zone(tzinfo), fold=fold
    )


def parse(string: str, timezone: str | tzinfo | None = None) -> dt.datetime:
    """An ISO 8601 date or date-time; naive results get ``timezone`` (default UTC)."""
    parsed = dt.datetime.fromisoformat(string.strip().replace("Z", "+00:00"))
    return parsed if is_localized(parsed) else parsed.replace(tzinfo=_zone(timezone))
