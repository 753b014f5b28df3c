"""DeltaTriggerTimetable: Airflow 3's timetable for timedelta schedules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tradewind.errors import InvalidScheduleError
from tradewind.timetables import DataInterval, DeltaTriggerTimetable, NextRunInfo, TimeRestriction

HOURLY = DeltaTriggerTimetable(timedelta(hours=1))


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def test_catchup_first_run_is_start_date_itself() -> None:
    info = HOURLY.next_run_info(
        last_automated_data_interval=None,
        restriction=TimeRestriction(at(2022, 7, 27, 0, 30), None, catchup=True),
        now=at(2022, 8, 1),
    )
    assert info == NextRunInfo.exact(at(2022, 7, 27, 0, 30))


def test_catchup_next_run_is_one_delta_after_last_run() -> None:
    info = HOURLY.next_run_info(
        last_automated_data_interval=DataInterval.exact(at(2022, 7, 27, 0, 30)),
        restriction=TimeRestriction(at(2021, 9, 4), None, catchup=True),
        now=at(2022, 8, 1),
    )
    assert info == NextRunInfo.exact(at(2022, 7, 27, 1, 30))


def test_catchup_without_start_date_starts_now() -> None:
    info = HOURLY.next_run_info(
        last_automated_data_interval=None,
        restriction=TimeRestriction(None, None, catchup=True),
        now=at(2022, 7, 27, 0, 17),
    )
    assert info == NextRunInfo.exact(at(2022, 7, 27, 0, 17))


def test_catchup_off_after_a_pause_runs_now() -> None:
    info = HOURLY.next_run_info(
        last_automated_data_interval=DataInterval.exact(at(2021, 9, 5)),
        restriction=TimeRestriction(at(2021, 9, 4), None, catchup=False),
        now=at(2022, 7, 27, 1, 30),
    )
    assert info == NextRunInfo.exact(at(2022, 7, 27, 1, 30))


def test_catchup_off_keeps_the_delta_after_a_recent_run() -> None:
    daily = DeltaTriggerTimetable(timedelta(days=1))
    info = daily.next_run_info(
        last_automated_data_interval=DataInterval.exact(at(2021, 9, 7, 16, 30)),
        restriction=TimeRestriction(at(2021, 9, 6), None, catchup=False),
        now=at(2021, 9, 7, 18),
    )
    assert info == NextRunInfo.exact(at(2021, 9, 8, 16, 30))


def test_catchup_off_future_start_date_runs_at_start_date() -> None:
    info = HOURLY.next_run_info(
        last_automated_data_interval=DataInterval.exact(at(2021, 9, 5)),
        restriction=TimeRestriction(at(2199, 12, 31, 22, 30), None, catchup=False),
        now=at(2022, 7, 27, 0, 30),
    )
    assert info == NextRunInfo.exact(at(2199, 12, 31, 22, 30))


def test_no_run_after_end_date() -> None:
    info = HOURLY.next_run_info(
        last_automated_data_interval=DataInterval.exact(at(2024, 1, 1, 23)),
        restriction=TimeRestriction(at(2024, 1, 1), at(2024, 1, 1, 23, 59), catchup=True),
        now=at(2024, 2, 1),
    )
    assert info is None


def test_interval_makes_data_interval_end_at_trigger_time() -> None:
    timetable = DeltaTriggerTimetable(timedelta(days=7), interval=timedelta(days=4, hours=9))
    info = timetable.next_run_info(
        last_automated_data_interval=DataInterval(at(2025, 1, 3, 9), at(2025, 1, 3, 18)),
        restriction=TimeRestriction(at(2025, 1, 3, 18), None, catchup=True),
        now=at(2025, 2, 1),
    )
    assert info == NextRunInfo(
        run_after=at(2025, 1, 10, 18),
        data_interval=DataInterval(at(2025, 1, 6, 9), at(2025, 1, 10, 18)),
        logical_date=at(2025, 1, 6, 9),
    )


def test_manual_data_interval_spans_interval_before_run_after() -> None:
    timetable = DeltaTriggerTimetable(timedelta(days=1), interval=timedelta(hours=2))
    interval = timetable.infer_manual_data_interval(run_after=at(2024, 5, 1, 13))
    assert interval == DataInterval(at(2024, 5, 1, 11), at(2024, 5, 1, 13))


def test_delta_is_absolute_time_across_dst() -> None:
    amsterdam = ZoneInfo("Europe/Amsterdam")
    timetable = DeltaTriggerTimetable(timedelta(days=1))
    info = timetable.next_run_info(
        last_automated_data_interval=DataInterval.exact(
            datetime(2024, 3, 30, 12, tzinfo=amsterdam)
        ),
        restriction=TimeRestriction(None, None, catchup=True),
        now=at(2024, 4, 2),
    )
    # 24 hours after 12:00 CET is 13:00 CEST: a timedelta does not follow the wall clock.
    assert info == NextRunInfo.exact(at(2024, 3, 31, 11))


def test_summary_is_str_of_timedelta() -> None:
    assert DeltaTriggerTimetable(timedelta(days=1)).summary == "1 day, 0:00:00"


def test_description_spells_the_delta() -> None:
    timetable = DeltaTriggerTimetable(timedelta(hours=1, minutes=30))
    assert timetable.description == "Every 1 hour, 30 minutes"


@pytest.mark.parametrize("delta", [timedelta(0), timedelta(minutes=-5)])
def test_non_positive_delta_is_rejected(delta: timedelta) -> None:
    with pytest.raises(InvalidScheduleError, match="must be positive"):
        DeltaTriggerTimetable(delta)


def test_non_timedelta_delta_is_rejected() -> None:
    with pytest.raises(InvalidScheduleError, match=r"must be a datetime\.timedelta"):
        DeltaTriggerTimetable(3600)  # type: ignore[arg-type]
