"""CronDataIntervalTimetable and DeltaDataIntervalTimetable: Airflow 2 data intervals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tradewind.errors import InvalidScheduleError
from tradewind.timetables import (
    CronDataIntervalTimetable,
    DataInterval,
    DeltaDataIntervalTimetable,
    NextRunInfo,
    TimeRestriction,
)

DAILY = CronDataIntervalTimetable("@daily", UTC)
HALF_HOURLY = CronDataIntervalTimetable("*/30 * * * *", UTC)
HALF_HOUR = DeltaDataIntervalTimetable(timedelta(minutes=30))


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def test_cron_catchup_first_interval_starts_at_start_date() -> None:
    info = DAILY.next_run_info(
        last_automated_data_interval=None,
        restriction=TimeRestriction(at(2024, 1, 1), None, catchup=True),
        now=at(2024, 3, 1),
    )
    assert info == NextRunInfo(
        run_after=at(2024, 1, 2),
        data_interval=DataInterval(at(2024, 1, 1), at(2024, 1, 2)),
        logical_date=at(2024, 1, 1),
    )


def test_cron_catchup_unaligned_start_date_skips_to_next_tick() -> None:
    info = HALF_HOURLY.next_run_info(
        last_automated_data_interval=None,
        restriction=TimeRestriction(at(2024, 2, 1, 0, 10), None, catchup=True),
        now=at(2024, 2, 1, 1, 5),
    )
    assert info == NextRunInfo.interval(at(2024, 2, 1, 0, 30), at(2024, 2, 1, 1))


def test_cron_catchup_next_interval_follows_last_one() -> None:
    info = DAILY.next_run_info(
        last_automated_data_interval=DataInterval(at(2024, 1, 1), at(2024, 1, 2)),
        restriction=TimeRestriction(at(2024, 1, 1), None, catchup=True),
        now=at(2024, 3, 1),
    )
    assert info == NextRunInfo.interval(at(2024, 1, 2), at(2024, 1, 3))


def test_cron_catchup_without_start_date_schedules_nothing() -> None:
    info = DAILY.next_run_info(
        last_automated_data_interval=None,
        restriction=TimeRestriction(None, None, catchup=True),
        now=at(2024, 3, 1),
    )
    assert info is None


def test_cron_catchup_off_first_run_is_latest_complete_interval() -> None:
    info = HALF_HOURLY.next_run_info(
        last_automated_data_interval=None,
        restriction=TimeRestriction(at(2024, 2, 1), None, catchup=False),
        now=at(2024, 2, 1, 1, 5),
    )
    assert info == NextRunInfo.interval(at(2024, 2, 1, 0, 30), at(2024, 2, 1, 1))


def test_cron_catchup_off_now_on_boundary_runs_interval_ending_now() -> None:
    info = HALF_HOURLY.next_run_info(
        last_automated_data_interval=None,
        restriction=TimeRestriction(at(2024, 2, 1), None, catchup=False),
        now=at(2024, 2, 1, 1),
    )
    assert info == NextRunInfo.interval(at(2024, 2, 1, 0, 30), at(2024, 2, 1, 1))


def test_cron_catchup_off_after_pause_skips_to_latest_interval() -> None:
    info = DAILY.next_run_info(
        last_automated_data_interval=DataInterval(at(2024, 1, 1), at(2024, 1, 2)),
        restriction=TimeRestriction(at(2024, 1, 1), None, catchup=False),
        now=at(2024, 1, 10, 15),
    )
    assert info == NextRunInfo.interval(at(2024, 1, 9), at(2024, 1, 10))


def test_cron_catchup_off_after_recent_run_returns_future_interval() -> None:
    info = DAILY.next_run_info(
        last_automated_data_interval=DataInterval(at(2024, 1, 9), at(2024, 1, 10)),
        restriction=TimeRestriction(at(2024, 1, 1), None, catchup=False),
        now=at(2024, 1, 10, 15),
    )
    assert info == NextRunInfo.interval(at(2024, 1, 10), at(2024, 1, 11))


def test_cron_catchup_off_never_starts_before_start_date() -> None:
    info = DAILY.next_run_info(
        last_automated_data_interval=None,
        restriction=TimeRestriction(at(2024, 1, 20, 6), None, catchup=False),
        now=at(2024, 1, 10, 15),
    )
    assert info == NextRunInfo.interval(at(2024, 1, 21), at(2024, 1, 22))


def test_cron_catchup_off_without_start_date_runs_latest_interval() -> None:
    info = DAILY.next_run_info(
        last_automated_data_interval=None,
        restriction=TimeRestriction(None, None, catchup=False),
        now=at(2024, 1, 10, 15),
    )
    assert info == NextRunInfo.interval(at(2024, 1, 9), at(2024, 1, 10))


def test_cron_last_interval_from_old_schedule_is_realigned() -> None:
    info = DAILY.next_run_info(
        last_automated_data_interval=DataInterval(at(2024, 1, 2), at(2024, 1, 2, 6)),
        restriction=TimeRestriction(at(2024, 1, 1), None, catchup=True),
        now=at(2024, 3, 1),
    )
    assert info == NextRunInfo.interval(at(2024, 1, 2), at(2024, 1, 3))


def test_cron_interval_starting_on_end_date_is_still_created() -> None:
    info = DAILY.next_run_info(
        last_automated_data_interval=DataInterval(at(2024, 1, 4), at(2024, 1, 5)),
        restriction=TimeRestriction(at(2024, 1, 1), at(2024, 1, 5), catchup=True),
        now=at(2024, 3, 1),
    )
    assert info == NextRunInfo.interval(at(2024, 1, 5), at(2024, 1, 6))


def test_cron_no_interval_starting_after_end_date() -> None:
    info = DAILY.next_run_info(
        last_automated_data_interval=DataInterval(at(2024, 1, 5), at(2024, 1, 6)),
        restriction=TimeRestriction(at(2024, 1, 1), at(2024, 1, 5, 12), catchup=True),
        now=at(2024, 3, 1),
    )
    assert info is None


def test_cron_manual_data_interval_is_last_complete_interval() -> None:
    interval = DAILY.infer_manual_data_interval(run_after=at(2024, 1, 25, 1))
    assert interval == DataInterval(at(2024, 1, 24), at(2024, 1, 25))


def test_cron_manual_data_interval_on_boundary_ends_at_run_after() -> None:
    interval = DAILY.infer_manual_data_interval(run_after=at(2024, 1, 25))
    assert interval == DataInterval(at(2024, 1, 24), at(2024, 1, 25))


def test_cron_summary_and_description() -> None:
    assert (DAILY.summary, DAILY.description) == ("0 0 * * *", "At 00:00")


def test_cron_bad_expression_is_rejected() -> None:
    with pytest.raises(InvalidScheduleError, match="'0 0 30 2 \\*'"):
        CronDataIntervalTimetable("0 0 30 2 *", UTC)


def test_delta_catchup_first_interval_starts_at_start_date() -> None:
    info = HALF_HOUR.next_run_info(
        last_automated_data_interval=None,
        restriction=TimeRestriction(at(2024, 2, 1, 0, 10), None, catchup=True),
        now=at(2024, 2, 1, 1, 5),
    )
    assert info == NextRunInfo.interval(at(2024, 2, 1, 0, 10), at(2024, 2, 1, 0, 40))


def test_delta_catchup_next_interval_follows_last_one() -> None:
    info = HALF_HOUR.next_run_info(
        last_automated_data_interval=DataInterval(at(2024, 2, 1, 0, 10), at(2024, 2, 1, 0, 40)),
        restriction=TimeRestriction(at(2024, 2, 1, 0, 10), None, catchup=True),
        now=at(2024, 2, 1, 1, 5),
    )
    assert info == NextRunInfo.interval(at(2024, 2, 1, 0, 40), at(2024, 2, 1, 1, 10))


def test_delta_catchup_off_aligns_to_multiples_of_delta_since_epoch() -> None:
    info = HALF_HOUR.next_run_info(
        last_automated_data_interval=None,
        restriction=TimeRestriction(at(2024, 2, 1, 0, 10), None, catchup=False),
        now=at(2024, 2, 1, 1, 5),
    )
    assert info == NextRunInfo.interval(at(2024, 2, 1, 0, 30), at(2024, 2, 1, 1))


def test_delta_catchup_off_future_start_date_starts_there() -> None:
    info = HALF_HOUR.next_run_info(
        last_automated_data_interval=None,
        restriction=TimeRestriction(at(2024, 3, 1, 0, 10), None, catchup=False),
        now=at(2024, 2, 1, 1, 5),
    )
    assert info == NextRunInfo.interval(at(2024, 3, 1, 0, 10), at(2024, 3, 1, 0, 40))


def test_delta_manual_data_interval_is_one_delta_before_run_after() -> None:
    interval = HALF_HOUR.infer_manual_data_interval(run_after=at(2024, 2, 1, 9, 7))
    assert interval == DataInterval(at(2024, 2, 1, 8, 37), at(2024, 2, 1, 9, 7))


def test_delta_summary_and_description() -> None:
    assert (HALF_HOUR.summary, HALF_HOUR.description) == ("0:30:00", "Every 30 minutes")


def test_delta_non_positive_is_rejected() -> None:
    with pytest.raises(InvalidScheduleError, match="must be positive"):
        DeltaDataIntervalTimetable(timedelta(seconds=-1))
