"""Daylight saving time: cron runs on the local wall clock the way Airflow documents.

Transitions used: Europe/Amsterdam 2024-03-31 02:00 CET → 03:00 CEST and
2024-10-27 03:00 CEST → 02:00 CET; America/New_York 2024-03-10 02:00 → 03:00 and
2024-11-03 02:00 EDT → 01:00 EST.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tradewind.timetables import (
    CronDataIntervalTimetable,
    CronTriggerTimetable,
    DataInterval,
    NextRunInfo,
    TimeRestriction,
    Timetable,
)
from tradewind.timetables.cron import CronSchedule

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
NEW_YORK = ZoneInfo("America/New_York")
CATCHUP = TimeRestriction(earliest=None, latest=None, catchup=True)
LATER = datetime(2030, 1, 1, tzinfo=UTC)


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def runs_after(timetable: Timetable, last: datetime, count: int) -> list[datetime]:
    """The run_after of the ``count`` scheduled runs following a run at ``last``."""
    runs = []
    interval = DataInterval.exact(last)
    for _ in range(count):
        info = timetable.next_run_info(
            last_automated_data_interval=interval, restriction=CATCHUP, now=LATER
        )
        assert info is not None
        runs.append(info.run_after)
        interval = info.data_interval
    return runs


def test_daily_time_skipped_by_spring_forward_still_runs_that_day() -> None:
    timetable = CronTriggerTimetable("30 2 * * *", timezone=AMSTERDAM)
    # 02:30 does not exist on 31 March; the run happens at 03:30 CEST (01:30 UTC).
    assert runs_after(timetable, at(2024, 3, 30, 1, 30), 2) == [
        at(2024, 3, 31, 1, 30),
        at(2024, 4, 1, 0, 30),
    ]


def test_daily_time_repeated_by_fall_back_runs_once_at_second_occurrence() -> None:
    timetable = CronTriggerTimetable("30 2 * * *", timezone=AMSTERDAM)
    # 02:30 happens twice on 27 October (00:30 and 01:30 UTC); only the second runs.
    assert runs_after(timetable, at(2024, 10, 26, 0, 30), 2) == [
        at(2024, 10, 27, 1, 30),
        at(2024, 10, 28, 1, 30),
    ]


def test_hourly_keeps_one_hour_spacing_through_fall_back() -> None:
    timetable = CronTriggerTimetable("0 * * * *", timezone=AMSTERDAM)
    # Local 02:00 CEST, 02:00 CET, 03:00 CET: both 02:00s run, an hour apart.
    assert runs_after(timetable, at(2024, 10, 26, 23), 3) == [
        at(2024, 10, 27, 0),
        at(2024, 10, 27, 1),
        at(2024, 10, 27, 2),
    ]


def test_hourly_keeps_one_hour_spacing_through_spring_forward() -> None:
    timetable = CronTriggerTimetable("30 * * * *", timezone=AMSTERDAM)
    # Local 01:30 CET then 03:30 CEST: the missing 02:30 is skipped, not doubled.
    assert runs_after(timetable, at(2024, 3, 30, 23, 30), 3) == [
        at(2024, 3, 31, 0, 30),
        at(2024, 3, 31, 1, 30),
        at(2024, 3, 31, 2, 30),
    ]


def test_hourly_on_weekdays_resumes_at_local_midnight_after_dst_weekend() -> None:
    timetable = CronTriggerTimetable("0 * * * 1-5", timezone=AMSTERDAM)
    # Friday 23:00 CET, then Monday 00:00 CEST (Sunday 22:00 UTC).
    assert runs_after(timetable, at(2024, 3, 29, 21), 2) == [
        at(2024, 3, 29, 22),
        at(2024, 3, 31, 22),
    ]


def test_midnight_follows_local_offset_across_spring_forward() -> None:
    timetable = CronTriggerTimetable("0 0 * * *", timezone=NEW_YORK)
    assert runs_after(timetable, at(2024, 3, 9, 5), 2) == [
        at(2024, 3, 10, 5),
        at(2024, 3, 11, 4),
    ]


def test_daily_ambiguous_time_in_new_york_runs_once() -> None:
    timetable = CronTriggerTimetable("30 1 * * *", timezone=NEW_YORK)
    # 01:30 is 05:30 UTC (EDT) and 06:30 UTC (EST) on 3 November; only EST runs.
    assert runs_after(timetable, at(2024, 11, 2, 5, 30), 2) == [
        at(2024, 11, 3, 6, 30),
        at(2024, 11, 4, 6, 30),
    ]


def test_daily_data_interval_is_23_hours_on_spring_forward_day() -> None:
    timetable = CronDataIntervalTimetable("@daily", AMSTERDAM)
    info = timetable.next_run_info(
        last_automated_data_interval=DataInterval(at(2024, 3, 29, 23), at(2024, 3, 30, 23)),
        restriction=CATCHUP,
        now=LATER,
    )
    assert info == NextRunInfo.interval(at(2024, 3, 30, 23), at(2024, 3, 31, 22))


def test_catchup_off_in_repeated_hour_runs_latest_hourly_tick() -> None:
    timetable = CronTriggerTimetable("0 * * * *", timezone=AMSTERDAM)
    info = timetable.next_run_info(
        last_automated_data_interval=DataInterval.exact(at(2024, 10, 26, 12)),
        restriction=TimeRestriction(None, None, catchup=False),
        now=at(2024, 10, 27, 1, 30),  # 02:30 CET, the second pass
    )
    assert info == NextRunInfo.exact(at(2024, 10, 27, 1))


def test_manual_data_interval_in_repeated_hour_spans_one_hour() -> None:
    timetable = CronDataIntervalTimetable("0 * * * *", AMSTERDAM)
    interval = timetable.infer_manual_data_interval(run_after=at(2024, 10, 27, 1, 30))
    assert interval == DataInterval(at(2024, 10, 27, 0), at(2024, 10, 27, 1))


def test_start_date_in_first_pass_of_repeated_hour_aligns_to_next_hour() -> None:
    timetable = CronTriggerTimetable("0 * * * *", timezone=AMSTERDAM)
    info = timetable.next_run_info(
        last_automated_data_interval=None,
        restriction=TimeRestriction(at(2024, 10, 27, 0, 30), None, catchup=True),
        now=LATER,
    )
    # 02:30 CEST → the next hour is 02:00 CET (01:00 UTC), not 03:00 CET.
    assert info == NextRunInfo.exact(at(2024, 10, 27, 1))


def brute_force_ticks(
    minutes: set[int], hours: set[int], zone: ZoneInfo, start: datetime, end: datetime
) -> list[datetime]:
    """The rules in the docstring of tradewind.timetables.cron, applied to every UTC minute
    for a daily pattern of ``minutes`` past ``hours``: slow, but plainly right and
    independent of croniter and of how CronSchedule searches."""
    minute = timedelta(minutes=1)
    every_hour = len(hours) == 24

    def wall(moment: datetime) -> datetime:
        return moment.astimezone(zone).replace(tzinfo=None, fold=0)

    def matches(time: datetime) -> bool:
        return time.minute in minutes and time.hour in hours

    ticks = set()
    moment = start
    while moment < end:
        here, before = wall(moment), wall(moment - minute)
        if here - before > minute and not every_hour:
            # Clocks jumped forward: a skipped wall time runs as far past the jump.
            for step in range(1, (here - before) // minute):
                if matches(before + step * minute):
                    ticks.add(moment + (step - 1) * minute)
        if matches(here):
            passes = [
                other
                for other in (moment + offset * minute for offset in range(-180, 181))
                if wall(other) == here
            ]
            if every_hour or moment == passes[-1]:
                ticks.add(moment)
        moment += minute
    return sorted(ticks)


@pytest.mark.parametrize(
    ("zone", "around"),
    [
        ("Europe/Amsterdam", at(2024, 3, 31, 1)),
        ("Europe/Amsterdam", at(2024, 10, 27, 1)),
        ("America/New_York", at(2024, 11, 3, 6)),
        ("Australia/Lord_Howe", at(2024, 10, 5, 15, 30)),
    ],
)
@pytest.mark.parametrize(
    ("expression", "minutes", "hours"),
    [
        ("*/20 * * * *", {0, 20, 40}, set(range(24))),
        ("30 2 * * *", {30}, {2}),
        ("*/7 1-3 * * *", set(range(0, 60, 7)), {1, 2, 3}),
    ],
)
def test_cron_ticks_match_a_minute_by_minute_scan_around_dst(
    zone: str, around: datetime, expression: str, minutes: set[int], hours: set[int]
) -> None:
    schedule = CronSchedule(expression, ZoneInfo(zone))
    # Probes within 6 hours of the change; the scan reaches a day further so that every
    # probe has a tick on both sides even for a daily expression.
    window = timedelta(hours=6)
    scan = window + timedelta(days=1)
    expected = brute_force_ticks(minutes, hours, ZoneInfo(zone), around - scan, around + scan)
    probes = [around - window + step * timedelta(minutes=11) for step in range(2 * 6 * 60 // 11)]
    probes += [tick for tick in expected if around - window <= tick < around + window]
    for probe in probes:
        following = min(tick for tick in expected if tick > probe)
        preceding = max(tick for tick in expected if tick < probe)
        assert (schedule.next_after(probe), schedule.prev_before(probe)) == (
            following,
            preceding,
        ), probe
        assert schedule.align_next(probe) == (probe if probe in expected else following), probe
        assert schedule.align_prev(probe) == (probe if probe in expected else preceding), probe
