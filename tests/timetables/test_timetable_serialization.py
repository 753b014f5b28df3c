"""Timetable.serialize() and timetable_from_dict(): exact, JSON-safe round trips."""

from __future__ import annotations

import json
from datetime import UTC, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tradewind.errors import InvalidScheduleError
from tradewind.timetables import (
    AssetTriggeredTimetable,
    ContinuousTimetable,
    CronDataIntervalTimetable,
    CronTriggerTimetable,
    DeltaDataIntervalTimetable,
    DeltaTriggerTimetable,
    NullTimetable,
    OnceTimetable,
    Timetable,
    timetable_from_dict,
)

EVERY_TIMETABLE = [
    CronTriggerTimetable("@daily", timezone=UTC),
    CronTriggerTimetable(
        "30 16 * * MON",
        timezone=ZoneInfo("America/New_York"),
        interval=timedelta(days=4, hours=9, microseconds=7),
        run_immediately=timedelta(minutes=10),
    ),
    CronTriggerTimetable("0 3 * * *", timezone=ZoneInfo("UTC"), run_immediately=True),
    CronTriggerTimetable("0 3 * * *", timezone=UTC, run_immediately=None),
    CronTriggerTimetable("0 3 * * * 15", timezone=timezone(timedelta(hours=5, minutes=30))),
    DeltaTriggerTimetable(timedelta(hours=1)),
    DeltaTriggerTimetable(timedelta(days=7), interval=timedelta(days=1)),
    CronDataIntervalTimetable("*/30 * * * *", ZoneInfo("Europe/Amsterdam")),
    CronDataIntervalTimetable("0 0 1 * *", timezone(timedelta(hours=-3))),
    DeltaDataIntervalTimetable(timedelta(days=3650, microseconds=1)),
    NullTimetable(),
    OnceTimetable(),
    ContinuousTimetable(),
    AssetTriggeredTimetable({"any": [{"uri": "s3://a"}, {"all": [{"uri": "s3://b"}]}]}),
]


@pytest.mark.parametrize("timetable", EVERY_TIMETABLE, ids=repr)
def test_round_trip_through_json_gives_an_equal_timetable(timetable: Timetable) -> None:
    data = json.loads(json.dumps(timetable.serialize()))
    rebuilt = timetable_from_dict(data)
    assert type(rebuilt) is type(timetable)
    assert rebuilt == timetable
    assert rebuilt.serialize() == timetable.serialize()


@pytest.mark.parametrize("timetable", EVERY_TIMETABLE, ids=repr)
def test_round_trip_keeps_summary_and_description(timetable: Timetable) -> None:
    rebuilt = timetable_from_dict(timetable.serialize())
    assert (rebuilt.summary, rebuilt.description) == (timetable.summary, timetable.description)


def test_cron_trigger_serialized_form() -> None:
    timetable = CronTriggerTimetable(
        "@hourly", timezone="Europe/Amsterdam", interval=timedelta(hours=2)
    )
    assert timetable.serialize() == {
        "type": "CronTriggerTimetable",
        "expression": "0 * * * *",
        "timezone": "Europe/Amsterdam",
        "interval": {"days": 0, "seconds": 7200, "microseconds": 0},
        "run_immediately": False,
    }


def test_delta_data_interval_serialized_form() -> None:
    timetable = DeltaDataIntervalTimetable(timedelta(days=1, seconds=5))
    assert timetable.serialize() == {
        "type": "DeltaDataIntervalTimetable",
        "delta": {"days": 1, "seconds": 5, "microseconds": 0},
    }


def test_trivial_timetable_serialized_form_is_its_type() -> None:
    assert NullTimetable().serialize() == {"type": "NullTimetable"}


def test_fixed_offset_timezone_is_stored_as_offset() -> None:
    timetable = CronDataIntervalTimetable("0 0 * * *", timezone(timedelta(hours=-3, minutes=-30)))
    assert timetable.serialize()["timezone"] == "-03:30"


def test_utc_constant_and_utc_zoneinfo_round_trip_to_themselves() -> None:
    fixed = timetable_from_dict(CronDataIntervalTimetable("0 0 * * *", UTC).serialize())
    zone = timetable_from_dict(CronDataIntervalTimetable("0 0 * * *", ZoneInfo("UTC")).serialize())
    assert isinstance(fixed, CronDataIntervalTimetable)
    assert isinstance(zone, CronDataIntervalTimetable)
    assert (fixed.timezone, zone.timezone) == (UTC, ZoneInfo("UTC"))


def test_equal_timetables_hash_equal() -> None:
    first = CronTriggerTimetable("0 0 * * *", timezone=UTC)
    second = CronTriggerTimetable("@daily", timezone=UTC)
    assert (first == second, hash(first) == hash(second)) == (True, True)


def test_timetables_of_different_types_are_not_equal() -> None:
    assert CronTriggerTimetable("0 0 * * *", timezone=UTC) != CronDataIntervalTimetable(
        "0 0 * * *", UTC
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"type": "EventsTimetable"}, "Unknown timetable type 'EventsTimetable'"),
        ({}, "Unknown timetable type None"),
        ({"type": "CronDataIntervalTimetable", "expression": "0 0 * * *"}, "missing the field"),
        (
            {"type": "DeltaTriggerTimetable", "delta": 3600.0, "interval": 0.0},
            "serialized duration must be",
        ),
        (
            {"type": "CronDataIntervalTimetable", "expression": "0 0 * * *", "timezone": 0},
            "serialized time zone must be a string",
        ),
        (
            {"type": "CronDataIntervalTimetable", "expression": "bad", "timezone": "UTC"},
            "Invalid cron expression 'bad'",
        ),
    ],
    ids=["unknown-type", "no-type", "missing-field", "bad-duration", "bad-zone", "bad-cron"],
)
def test_bad_serialized_timetable_is_rejected(data: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidScheduleError, match=message):
        timetable_from_dict(data)
