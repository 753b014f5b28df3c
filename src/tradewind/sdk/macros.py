"""The ``macros`` namespace of templates: ``{{ macros.ds_add(ds, 7) }}``.

The names match Airflow's ``airflow.macros`` so existing templates keep working:
``datetime`` and ``timedelta`` (the classes), ``time``, ``uuid`` and ``json`` (the modules),
``random`` (the function ``random.random``), ``dateutil`` (the package, when installed; loaded
on first use), and the helpers below.
"""

from __future__ import annotations

import importlib
import json
import time
import uuid
from datetime import UTC as _UTC
from datetime import datetime, timedelta
from random import random
from types import ModuleType
from typing import Any

__all__ = [
    "datetime",
    "datetime_diff_for_humans",
    "ds_add",
    "ds_format",
    "json",
    "random",
    "time",
    "timedelta",
    "uuid",
]

_DATEUTIL_PARTS = ("relativedelta", "parser", "tz", "rrule", "easter")


def __getattr__(name: str) -> Any:
    # dateutil is optional and its submodules take a while to import, so ``macros.dateutil``
    # is resolved on first use (PEP 562). Airflow templates reach for
    # ``macros.dateutil.relativedelta.relativedelta``, so the submodules are loaded too.
    if name == "dateutil":
        return _load_dateutil()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _load_dateutil() -> ModuleType:
    try:
        module = importlib.import_module("dateutil")
    except ImportError:
        raise AttributeError(
            "macros.dateutil is not available: python-dateutil is not installed "
            "in the worker's environment."
        ) from None
    for part in _DATEUTIL_PARTS:
        importlib.import_module(f"dateutil.{part}")
    return module


def ds_add(ds: str, days: int) -> str:
    """Add ``days`` (negative to subtract) to a ``YYYY-MM-DD`` date string.

    >>> ds_add("2015-01-06", -5)
    '2015-01-01'
    """
    if not days:
        return str(ds)
    moved = datetime.strptime(str(ds), "%Y-%m-%d") + timedelta(days=days)
    return moved.strftime("%Y-%m-%d")


def ds_format(ds: str, input_format: str, output_format: str) -> str:
    """Re-format a date string from ``input_format`` to ``output_format`` (strftime codes).

    >>> ds_format("2015-01-01", "%Y-%m-%d", "%m-%d-%y")
    '01-01-15'
    """
    return datetime.strptime(str(ds), input_format).strftime(output_format)


def datetime_diff_for_humans(dt: datetime, since: datetime | None = None) -> str:
    """How far ``dt`` is from ``since`` (default: now), in words.

    Relative to now: ``"3 days ago"`` / ``"in 2 hours"``; relative to ``since``:
    ``"3 days before"`` / ``"2 hours after"``. Under ten seconds reads ``"a few seconds"``.
    """
    relative_to_now = since is None
    reference = datetime.now(_UTC) if since is None else since
    moment, reference = _comparable(dt, reference)
    in_future = moment > reference
    amount = _humanize(max(moment, reference), min(moment, reference))
    if relative_to_now:
        return f"in {amount}" if in_future else f"{amount} ago"
    return f"{amount} after" if in_future else f"{amount} before"


def _comparable(a: datetime, b: datetime) -> tuple[datetime, datetime]:
    # A naive datetime is taken as UTC, so naive and aware values can be compared.
    if (a.tzinfo is None) != (b.tzinfo is None):
        if a.tzinfo is None:
            a = a.replace(tzinfo=_UTC)
        else:
            b = b.replace(tzinfo=_UTC)
    return a, b


def _humanize(later: datetime, earlier: datetime) -> str:
    months = (later.year - earlier.year) * 12 + later.month - earlier.month
    if _add_months(earlier, months) > later:
        months -= 1
    remainder = later - _add_months(earlier, months)
    years, months = divmod(months, 12)
    if years:
        return _plural(years + (1 if months > 6 else 0), "year")
    if months:
        return _plural(months, "month")
    days = remainder.days
    if days >= 7:
        weeks, days = divmod(days, 7)
        return _plural(weeks + (1 if days > 3 else 0), "week")
    if days:
        return _plural(days, "day")
    seconds = remainder.seconds
    if seconds >= 3600:
        return _plural(seconds // 3600, "hour")
    if seconds >= 60:
        return _plural(seconds // 60, "minute")
    if seconds < 10:
        return "a few seconds"
    return _plural(seconds, "second")


def _add_months(moment: datetime, months: int) -> datetime:
    total = moment.month - 1 + months
    year, month = moment.year + total // 12, total % 12 + 1
    day = min(moment.day, _days_in_month(year, month))
    return moment.replace(year=year, month=month, day=day)


def _days_in_month(year: int, month: int) -> int:
    if month == 12:
        return 31
    return (datetime(year, month + 1, 1) - datetime(year, month, 1)).days


def _plural(count: int, unit: str) -> str:
    return f"{count} {unit}" if count == 1 else f"{count} {unit}s"
