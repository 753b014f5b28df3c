"""Cron expressions in plain English, by a few rules (no extra dependency).

The common shapes get sentences close to Airflow's (``30 21 * * 5`` → "At 21:30, only on
Friday"); anything the rules do not cover falls back to naming the field values, which is
still correct, only less fluent.
"""

from __future__ import annotations

import re

_WEEKDAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
_MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
_STEP = re.compile(r"^(?:\*|0)/(\d+)$")
_RANGE = re.compile(r"^(\w+)-(\w+)$")


def describe_cron(expression: str) -> str:
    """A sentence for an expanded (preset-free) 5- or 6-field cron expression."""
    fields = expression.split()
    if len(fields) == 6 and fields[5] != "0":
        return f"At times matching the cron expression '{expression}'"
    minute, hour, day, month, weekday = fields[:5]
    parts = [_describe_time(minute, hour)]
    days = [
        phrase
        for phrase in (_describe_day_of_month(day), _describe_weekday(weekday))
        if phrase is not None
    ]
    if days:
        # Standard cron runs when either day field matches if both are restricted.
        parts.append(" or ".join(days))
    month_phrase = _describe_month(month)
    if month_phrase is not None:
        parts.append(month_phrase)
    return ", ".join(parts)


def _describe_time(minute: str, hour: str) -> str:
    minutes = _numbers(minute)
    hours = _numbers(hour)
    if minutes and hours and len(minutes) * len(hours) <= 4:
        times = [f"{h:02d}:{m:02d}" for h in hours for m in minutes]
        return "At " + _join(times)
    minute_step = _step(minute)
    if hour == "*":
        if minute == "*":
            return "Every minute"
        if minute_step is not None:
            return f"Every {minute_step} minutes"
        if minutes == [0]:
            return "Every hour"
        if minutes:
            return f"At minute {_join([str(m) for m in minutes])} of every hour"
    hour_step = _step(hour)
    if hour_step is not None and minutes:
        if minutes == [0]:
            return f"Every {hour_step} hours"
        return f"At minute {_join([str(m) for m in minutes])} of every {hour_step} hours"
    span = _hour_span(hour)
    if span is not None:
        if minute == "*":
            return f"Every minute, {span}"
        if minute_step is not None:
            return f"Every {minute_step} minutes, {span}"
        if minutes:
            return f"At minute {_join([str(m) for m in minutes])} of every hour, {span}"
    return f"At minute {minute} of hour {hour}"


def _hour_span(hour: str) -> str | None:
    hours = _numbers(hour)
    if hours is not None and len(hours) == 1:
        return f"between {hours[0]:02d}:00 and {hours[0]:02d}:59"
    match = _RANGE.match(hour)
    if match is not None and match.group(1).isdigit() and match.group(2).isdigit():
        first, last = int(match.group(1)), int(match.group(2))
        return f"between {first:02d}:00 and {last:02d}:59"
    return None


def _describe_day_of_month(day: str) -> str | None:
    if day in ("*", "?"):
        return None
    if day.upper() == "L":
        return "on the last day of the month"
    days = _numbers(day)
    if days is not None:
        return f"on day {_join([str(d) for d in days])} of the month"
    return f"on day-of-month {day}"


def _describe_weekday(weekday: str) -> str | None:
    if weekday in ("*", "?"):
        return None
    return "only on " + _named(weekday, _WEEKDAYS, first=0, wrap=7)


def _describe_month(month: str) -> str | None:
    if month == "*":
        return None
    step = _step(month)
    if step is not None:
        return f"every {step} months"
    return "only in " + _named(month, _MONTHS, first=1, wrap=None)


def _named(field: str, names: list[str], *, first: int, wrap: int | None) -> str:
    """Spell a list or range of weekday or month tokens (numbers or 3-letter names)."""

    def name(token: str) -> str:
        if token.isdigit():
            index = int(token) - first
            if wrap is not None:
                index %= wrap
            return names[index] if 0 <= index < len(names) else token
        for candidate in names:
            if candidate[:3].lower() == token.lower():
                return candidate
        return token

    spelled = []
    for item in field.split(","):
        match = _RANGE.match(item)
        if match is not None:
            spelled.append(f"{name(match.group(1))} through {name(match.group(2))}")
        else:
            spelled.append(name(item))
    return _join(spelled)


def _numbers(field: str) -> list[int] | None:
    """The values of a field that is a plain number or comma list of numbers."""
    items = field.split(",")
    if all(item.isdigit() for item in items):
        return sorted(int(item) for item in items)
    return None


def _step(field: str) -> int | None:
    match = _STEP.match(field)
    return int(match.group(1)) if match is not None else None


def _join(words: list[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]
