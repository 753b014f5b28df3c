"""CronTriggerTimetable: Airflow 3's timetable for cron strings and presets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tradewind.errors import InvalidScheduleError
from tradewind.timetables import (
    CronTriggerTimetable,
    DataInterval,
    NextRunInfo,
    TimeRestriction,
)

HOURLY = CronTriggerTimetable("@hourly", timezone=UTC)
DAILY_1630 = CronTriggerTimetable("30 16 * * *", timezone=UTC)


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def restriction(
    earliest: datetime | None = None, latest: datetime | None = None, *, catchup: bool
) -> TimeRestriction:
    return TimeRestriction(earliest=earliest, latest=latest, catchup=catchup)


def test_catchup_first_run_is_first_tick_after_start_date() -> None:
    info = DAILY_1630.next_run_info(
        last_automated_data_interval=None,
        restriction=restriction(at(2021, 9, 4), catchup=True),
        now=at(2021, 9, 7),
    )
    assert info == NextRunInfo.exact(at(2021, 9, 4, 16, 30))


def test_catchup_first_run_is_start_date_when_it_is_a_tick() -> None:
    info = HOURLY.next_run_info(
        last_automated_data_interval=None,
        restriction=restriction(at(2022, 7, 27), catchup=True),
        now=at(2022, 8, 1),
    )
    assert info == NextRunInfo.exact(at(2022, 7, 27))


def test_catchup_next_run_is_tick_after_last_run() -> None:
    info = HOURLY.next_run_info(
        last_automated_data_interval=DataInterval.exact(at(2022, 7, 27, 0, 30)),
        restriction=restriction(at(2021, 9, 4), catchup=True),
        now=at(2022, 8, 1),
    )
    assert info == NextRunInfo.exact(at(2022, 7, 27, 1))


def test_catchup_off_runs_only_latest_missed_tick() -> None:
    info = HOURLY.next_run_info(
        last_automated_data_interval=DataInterval.exact(at(2021, 9, 5)),
        restriction=restriction(at(2021, 9, 4), catchup=False),
        now=at(2022, 7, 27, 1, 30),
    )
    assert info == NextRunInfo.exact(at(2022, 7, 27, 1))


def test_catchup_off_runs_tick_equal_to_now() -> None:
    info = HOURLY.next_run_info(
        last_automated_data_interval=DataInterval.exact(at(2021, 9, 5)),
        restriction=restriction(at(2021, 9, 4), catchup=False),
        now=at(2022, 7, 27),
    )
    assert info == NextRunInfo.exact(at(2022, 7, 27))


def test_catchup_off_new_dag_with_past_start_runs_latest_tick() -> None:
    info = DAILY_1630.next_run_info(
        last_automated_data_interval=None,
        restriction=restriction(at(2021, 9, 6), catchup=False),
        now=at(2021, 9, 7),
    )
    assert info == NextRunInfo.exact(at(2021, 9, 6, 16, 30))


def test_catchup_off_future_start_date_waits_for_its_first_tick() -> None:
    info = HOURLY.next_run_info(
        last_automated_data_interval=DataInterval.exact(at(2021, 9, 5)),
        restriction=restriction(at(2199, 12, 31, 22, 30), catchup=False),
        now=at(2022, 7, 27, 0, 30),
    )
    assert info == NextRunInfo.exact(at(2199, 12, 31, 23))


def test_next_run_is_returned_even_when_its_run_after_is_in_the_future() -> None:
    info = DAILY_1630.next_run_info(
        last_automated_data_interval=DataInterval.exact(at(2021, 9, 7, 16, 30)),
        restriction=restriction(at(2021, 9, 6), catchup=False),
        now=at(2021, 9, 7, 17),
    )
    assert info == NextRunInfo.exact(at(2021, 9, 8, 16, 30))


def test_no_run_after_end_date() -> None:
    info = HOURLY.next_run_info(
        last_automated_data_interval=DataInterval.exact(at(2024, 1, 10)),
        restriction=restriction(at(2024, 1, 1), at(2024, 1, 10, 0, 59), catchup=True),
        now=at(2024, 2, 1),
    )
    assert info is None


def test_run_exactly_at_end_date_is_created() -> None:
    info = HOURLY.next_run_info(
        last_automated_data_interval=DataInterval.exact(at(2024, 1, 10)),
        restriction=restriction(at(2024, 1, 1), at(2024, 1, 10, 1), catchup=True),
        now=at(2024, 2, 1),
    )
    assert info == NextRunInfo.exact(at(2024, 1, 10, 1))


def test_interval_makes_data_interval_end_at_trigger_time() -> None:
    timetable = CronTriggerTimetable(
        "30 16 * * MON", timezone=UTC, interval=timedelta(hours=16, minutes=30)
    )
    info = timetable.next_run_info(
        last_automated_data_interval=DataInterval(at(2022, 8, 1), at(2022, 8, 1, 16, 30)),
        restriction=restriction(at(2021, 9, 4), catchup=True),
        now=at(2022, 9, 1),
    )
    assert info == NextRunInfo(
        run_after=at(2022, 8, 8, 16, 30),
        data_interval=DataInterval(at(2022, 8, 8), at(2022, 8, 8, 16, 30)),
        logical_date=at(2022, 8, 8),
    )


def test_manual_data_interval_spans_interval_before_run_after() -> None:
    timetable = CronTriggerTimetable("0 0 * * *", timezone=UTC, interval=timedelta(hours=6))
    interval = timetable.infer_manual_data_interval(run_after=at(2024, 5, 1, 13, 7))
    assert interval == DataInterval(at(2024, 5, 1, 7, 7), at(2024, 5, 1, 13, 7))


def test_manual_data_interval_without_interval_is_the_trigger_instant() -> None:
    interval = HOURLY.infer_manual_data_interval(run_after=at(2024, 5, 1, 13, 7))
    assert interval == DataInterval(at(2024, 5, 1, 13, 7), at(2024, 5, 1, 13, 7))


@pytest.mark.parametrize("catchup", [True, False])
@pytest.mark.parametrize(
    ("run_immediately", "now", "expected"),
    [
        pytest.param(True, at(2024, 8, 15, 12, 5), at(2024, 8, 15, 3), id="true-runs-past"),
        pytest.param(False, at(2024, 8, 15, 3, 5), at(2024, 8, 15, 3), id="false-just-after"),
        pytest.param(False, at(2024, 8, 15, 12, 5), at(2024, 8, 16, 3), id="false-way-after"),
        pytest.param(None, at(2024, 8, 15, 5, 20), at(2024, 8, 15, 3), id="none-within-10pc"),
        pytest.param(None, at(2024, 8, 15, 5, 30), at(2024, 8, 16, 3), id="none-past-10pc"),
        pytest.param(
            timedelta(minutes=10), at(2024, 8, 15, 3, 5), at(2024, 8, 15, 3), id="delta-within"
        ),
        pytest.param(
            timedelta(minutes=10), at(2024, 8, 15, 3, 11), at(2024, 8, 16, 3), id="delta-past"
        ),
    ],
)
def test_run_immediately_picks_first_run_without_start_date(
    catchup: bool, run_immediately: bool | timedelta | None, now: datetime, expected: datetime
) -> None:
    timetable = CronTriggerTimetable("0 3 * * *", timezone=UTC, run_immediately=run_immediately)
    info = timetable.next_run_info(
        last_automated_data_interval=None, restriction=restriction(catchup=catchup), now=now
    )
    assert info == NextRunInfo.exact(expected)


def test_run_immediately_buffer_is_at_least_five_minutes() -> None:
    timetable = CronTriggerTimetable("*/10 3 * * *", timezone=UTC)
    info = timetable.next_run_info(
        last_automated_data_interval=None,
        restriction=restriction(catchup=True),
        now=at(2024, 8, 15, 3, 5),
    )
    assert info == NextRunInfo.exact(at(2024, 8, 15, 3))


def test_run_immediately_is_ignored_when_start_date_is_set() -> None:
    timetable = CronTriggerTimetable("0 3 * * *", timezone=UTC, run_immediately=True)
    info = timetable.next_run_info(
        last_automated_data_interval=None,
        restriction=restriction(at(2024, 8, 15, 12), catchup=False),
        now=at(2024, 8, 15, 12, 5),
    )
    assert info == NextRunInfo.exact(at(2024, 8, 16, 3))


def test_cron_is_evaluated_in_the_timetable_time_zone() -> None:
    timetable = CronTriggerTimetable("0 0 * * *", timezone=ZoneInfo("America/New_York"))
    summer = timetable.next_run_info(
        last_automated_data_interval=None,
        restriction=restriction(at(2024, 7, 1, 1), catchup=True),
        now=at(2024, 8, 1),
    )
    winter = timetable.next_run_info(
        last_automated_data_interval=None,
        restriction=restriction(at(2024, 1, 10, 1), catchup=True),
        now=at(2024, 8, 1),
    )
    assert summer == NextRunInfo.exact(at(2024, 7, 1, 4))
    assert winter == NextRunInfo.exact(at(2024, 1, 10, 5))


def test_returned_datetimes_are_in_utc() -> None:
    timetable = CronTriggerTimetable("0 9 * * *", timezone="Europe/Amsterdam")
    info = timetable.next_run_info(
        last_automated_data_interval=None,
        restriction=restriction(at(2024, 6, 1), catchup=True),
        now=at(2024, 8, 1),
    )
    assert info is not None
    assert info.run_after.tzinfo is UTC
    assert info.run_after == at(2024, 6, 1, 7)


def test_timezone_name_string_is_accepted() -> None:
    timetable = CronTriggerTimetable("0 0 * * *", timezone="Asia/Taipei")
    assert timetable.timezone == ZoneInfo("Asia/Taipei")


def test_summary_expands_presets_like_airflow() -> None:
    assert CronTriggerTimetable("@daily", timezone=UTC).summary == "0 0 * * *"


def test_summary_is_the_cron_expression() -> None:
    assert DAILY_1630.summary == "30 16 * * *"


def test_description_reads_the_cron_expression() -> None:
    timetable = CronTriggerTimetable("30 21 * * 5", timezone=UTC)
    assert timetable.description == "At 21:30, only on Friday"


def test_is_periodic_and_schedulable() -> None:
    assert (HOURLY.periodic, HOURLY.can_be_scheduled, HOURLY.active_runs_limit) == (
        True,
        True,
        None,
    )


def test_bad_cron_expression_is_rejected() -> None:
    with pytest.raises(InvalidScheduleError, match=r"'0 0 1 13 0'.*out of range"):
        CronTriggerTimetable("0 0 1 13 0", timezone=UTC)


def test_negative_interval_is_rejected() -> None:
    with pytest.raises(InvalidScheduleError, match="interval must be a timedelta of zero or more"):
        CronTriggerTimetable("0 0 * * *", timezone=UTC, interval=timedelta(hours=-1))


def test_non_boolean_run_immediately_is_rejected() -> None:
    with pytest.raises(InvalidScheduleError, match="run_immediately must be"):
        CronTriggerTimetable("0 0 * * *", timezone=UTC, run_immediately="yes")  # type: ignore[arg-type]


def test_unknown_timezone_name_is_rejected() -> None:
    with pytest.raises(InvalidScheduleError, match="Unknown time zone 'Mars/Olympus'"):
        CronTriggerTimetable("0 0 * * *", timezone="Mars/Olympus")
