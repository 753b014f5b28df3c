"""schedule_to_timetable: DAG(schedule=...) values, presets and bad input."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

import pytest

from tradewind.errors import InvalidScheduleError
from tradewind.timetables import (
    ContinuousTimetable,
    CronDataIntervalTimetable,
    CronTriggerTimetable,
    DeltaDataIntervalTimetable,
    DeltaTriggerTimetable,
    NullTimetable,
    OnceTimetable,
    schedule_to_timetable,
)

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def test_none_is_null_timetable() -> None:
    assert schedule_to_timetable(None, timezone=UTC) == NullTimetable()


def test_once_preset_is_once_timetable() -> None:
    assert schedule_to_timetable("@once", timezone=UTC) == OnceTimetable()


def test_continuous_preset_is_continuous_timetable() -> None:
    assert schedule_to_timetable("@continuous", timezone=UTC) == ContinuousTimetable()


@pytest.mark.parametrize(
    ("preset", "expression"),
    [
        ("@hourly", "0 * * * *"),
        ("@daily", "0 0 * * *"),
        ("@midnight", "0 0 * * *"),
        ("@weekly", "0 0 * * 0"),
        ("@monthly", "0 0 1 * *"),
        ("@quarterly", "0 0 1 */3 *"),
        ("@yearly", "0 0 1 1 *"),
        ("@annually", "0 0 1 1 *"),
    ],
)
def test_cron_preset_is_cron_trigger_timetable(preset: str, expression: str) -> None:
    timetable = schedule_to_timetable(preset, timezone=AMSTERDAM)
    assert timetable == CronTriggerTimetable(expression, timezone=AMSTERDAM)


def test_cron_expression_is_cron_trigger_timetable_in_dag_timezone() -> None:
    timetable = schedule_to_timetable("30 2 * * 1-5", timezone=AMSTERDAM)
    assert timetable == CronTriggerTimetable("30 2 * * 1-5", timezone=AMSTERDAM)


def test_six_field_cron_expression_is_accepted() -> None:
    timetable = schedule_to_timetable("0 0 * * * 30", timezone=UTC)
    assert timetable == CronTriggerTimetable("0 0 * * * 30", timezone=UTC)


def test_timedelta_is_delta_trigger_timetable() -> None:
    timetable = schedule_to_timetable(timedelta(hours=2), timezone=UTC)
    assert timetable == DeltaTriggerTimetable(timedelta(hours=2))


def test_create_cron_data_intervals_gives_cron_data_interval_timetable() -> None:
    timetable = schedule_to_timetable("@daily", timezone=AMSTERDAM, create_cron_data_intervals=True)
    assert timetable == CronDataIntervalTimetable("0 0 * * *", AMSTERDAM)


def test_create_cron_data_intervals_also_applies_to_timedelta() -> None:
    timetable = schedule_to_timetable(
        timedelta(days=1), timezone=UTC, create_cron_data_intervals=True
    )
    assert timetable == DeltaDataIntervalTimetable(timedelta(days=1))


def test_create_cron_data_intervals_does_not_change_once() -> None:
    timetable = schedule_to_timetable("@once", timezone=UTC, create_cron_data_intervals=True)
    assert timetable == OnceTimetable()


def test_timetable_instance_is_returned_unchanged() -> None:
    timetable = CronDataIntervalTimetable("0 6 * * *", UTC)
    assert schedule_to_timetable(timetable, timezone=AMSTERDAM) is timetable


@pytest.mark.parametrize(
    "schedule",
    [
        "not a cron",
        "",
        "61 * * * *",
        "* * * *",
        "0 0 * * * * *",
        "0 0 30 2 *",
        "H * * * *",
        "@fortnightly",
        "@ONCE",
    ],
)
def test_bad_cron_string_names_the_value_and_shows_examples(schedule: str) -> None:
    with pytest.raises(InvalidScheduleError) as caught:
        schedule_to_timetable(schedule, timezone=UTC)
    message = str(caught.value)
    assert repr(schedule) in message
    assert "'0 0 * * *' (daily at midnight)" in message


@pytest.mark.parametrize("delta", [timedelta(0), timedelta(days=-1)])
def test_non_positive_timedelta_is_rejected(delta: timedelta) -> None:
    with pytest.raises(InvalidScheduleError, match="must be positive"):
        schedule_to_timetable(delta, timezone=UTC)


@pytest.mark.parametrize(
    "schedule",
    [5, 3.5, True, ["s3://bucket/a"], {"cron": "0 0 * * *"}, b"0 0 * * *", object()],
    ids=["int", "float", "bool", "list", "dict", "bytes", "object"],
)
def test_unsupported_schedule_type_is_rejected(schedule: object) -> None:
    with pytest.raises(InvalidScheduleError) as caught:
        schedule_to_timetable(schedule, timezone=UTC)
    message = str(caught.value)
    assert repr(schedule) in message
    assert "a positive datetime.timedelta" in message


def test_unsupported_timezone_is_rejected() -> None:
    class OddZone(tzinfo):
        def utcoffset(self, dt: datetime | None) -> timedelta:
            return timedelta(0)

        def dst(self, dt: datetime | None) -> timedelta:
            return timedelta(0)

        def tzname(self, dt: datetime | None) -> str:
            return "ODD"

    with pytest.raises(InvalidScheduleError, match="Unsupported time zone"):
        schedule_to_timetable("@daily", timezone=OddZone())
