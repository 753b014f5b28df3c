"""DataInterval, NextRunInfo and TimeRestriction: aware datetimes, normalized to UTC."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from tradewind.timetables import (
    CronTriggerTimetable,
    DataInterval,
    NextRunInfo,
    TimeRestriction,
)

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def test_data_interval_is_normalized_to_utc() -> None:
    interval = DataInterval(
        datetime(2024, 7, 1, 2, tzinfo=AMSTERDAM), datetime(2024, 7, 2, 2, tzinfo=AMSTERDAM)
    )
    assert (interval.start, interval.start.tzinfo) == (datetime(2024, 7, 1, tzinfo=UTC), UTC)


def test_data_interval_rejects_naive_datetime() -> None:
    with pytest.raises(ValueError, match=r"DataInterval\.start must be a time-zone aware"):
        DataInterval(datetime(2024, 1, 1), datetime(2024, 1, 2, tzinfo=UTC))


def test_data_interval_rejects_end_before_start() -> None:
    with pytest.raises(ValueError, match="is before its start"):
        DataInterval(datetime(2024, 1, 2, tzinfo=UTC), datetime(2024, 1, 1, tzinfo=UTC))


def test_data_interval_is_immutable() -> None:
    interval = DataInterval.exact(datetime(2024, 1, 1, tzinfo=UTC))
    with pytest.raises(AttributeError):
        interval.start = datetime(2024, 1, 2, tzinfo=UTC)  # type: ignore[misc]


def test_next_run_info_interval_runs_after_end_with_start_as_logical_date() -> None:
    start, end = datetime(2024, 1, 1, tzinfo=UTC), datetime(2024, 1, 2, tzinfo=UTC)
    info = NextRunInfo.interval(start, end)
    assert (info.run_after, info.logical_date, info.data_interval) == (
        end,
        start,
        DataInterval(start, end),
    )


def test_time_restriction_is_normalized_to_utc() -> None:
    restriction = TimeRestriction(datetime(2024, 1, 1, 1, tzinfo=AMSTERDAM), None, catchup=True)
    assert restriction.earliest == datetime(2024, 1, 1, tzinfo=UTC)
    assert restriction.earliest is not None and restriction.earliest.tzinfo is UTC


def test_time_restriction_rejects_naive_end_date() -> None:
    with pytest.raises(ValueError, match=r"TimeRestriction\.latest"):
        TimeRestriction(None, datetime(2024, 1, 1), catchup=True)


def test_next_run_info_rejects_naive_now() -> None:
    timetable = CronTriggerTimetable("@daily", timezone=UTC)
    with pytest.raises(ValueError, match="now must be a time-zone aware"):
        timetable.next_run_info(
            last_automated_data_interval=None,
            restriction=TimeRestriction(None, None, catchup=False),
            now=datetime(2024, 1, 1),
        )
