"""Durations (``timedelta``): checked, in JSON and in words.

A duration is stored as ``{"days": d, "seconds": s, "microseconds": us}``, the three
normalized fields of ``timedelta``, because total seconds as a float loses microseconds
on long spans and the round trip must be exact.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tradewind.errors import InvalidScheduleError

_UNITS = (("day", 86_400), ("hour", 3_600), ("minute", 60), ("second", 1))


def encode_duration(value: timedelta) -> dict[str, int]:
    """The JSON form of ``value``."""
    return {"days": value.days, "seconds": value.seconds, "microseconds": value.microseconds}


def decode_duration(value: Any) -> timedelta:
    """Inverse of :func:`encode_duration`."""
    if not isinstance(value, dict) or set(value) != {"days", "seconds", "microseconds"}:
        raise InvalidScheduleError(
            f"A serialized duration must be {{'days', 'seconds', 'microseconds'}}, got {value!r}."
        )
    parts = [value["days"], value["seconds"], value["microseconds"]]
    if not all(type(part) is int for part in parts):
        raise InvalidScheduleError(f"A serialized duration must hold integers, got {value!r}.")
    return timedelta(days=parts[0], seconds=parts[1], microseconds=parts[2])


def describe_duration(value: timedelta) -> str:
    """``timedelta(hours=1, minutes=30)`` → ``"1 hour, 30 minutes"``."""
    remaining = value // timedelta(seconds=1)
    words = []
    for name, size in _UNITS:
        count, remaining = divmod(remaining, size)
        if count:
            words.append(f"{count} {name}{'' if count == 1 else 's'}")
    microseconds = value.microseconds
    if microseconds:
        words.append(f"{microseconds} microsecond{'' if microseconds == 1 else 's'}")
    return ", ".join(words) if words else "0 seconds"


def check_delta(delta: object) -> timedelta:
    """Return ``delta`` if it is a positive timedelta, else raise InvalidScheduleError."""
    if not isinstance(delta, timedelta):
        raise InvalidScheduleError(
            f"A delta schedule must be a datetime.timedelta, got {delta!r} "
            f"({type(delta).__name__}); for example timedelta(hours=1)."
        )
    if delta <= timedelta(0):
        raise InvalidScheduleError(
            f"A timedelta schedule must be positive, got {delta!r}; for example "
            "timedelta(minutes=30)."
        )
    return delta
