"""NullTimetable, OnceTimetable, ContinuousTimetable and AssetTriggeredTimetable."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tradewind.errors import InvalidScheduleError
from tradewind.timetables import (
    AssetTriggeredTimetable,
    ContinuousTimetable,
    DataInterval,
    NextRunInfo,
    NullTimetable,
    OnceTimetable,
    TimeRestriction,
)

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
START = datetime(2024, 5, 1, tzinfo=UTC)


def test_null_never_schedules_a_run() -> None:
    info = NullTimetable().next_run_info(
        last_automated_data_interval=None,
        restriction=TimeRestriction(START, None, catchup=True),
        now=NOW,
    )
    assert info is None


def test_null_cannot_be_scheduled_and_is_not_periodic() -> None:
    timetable = NullTimetable()
    assert (timetable.can_be_scheduled, timetable.periodic) == (False, False)


def test_null_summary_and_description() -> None:
    timetable = NullTimetable()
    assert (timetable.summary, timetable.description) == ("None", "Never, external triggers only")


def test_manual_run_of_point_timetable_covers_the_trigger_instant() -> None:
    interval = NullTimetable().infer_manual_data_interval(run_after=NOW)
    assert interval == DataInterval(NOW, NOW)


@pytest.mark.parametrize("catchup", [True, False])
def test_once_runs_at_start_date_whatever_catchup(catchup: bool) -> None:
    info = OnceTimetable().next_run_info(
        last_automated_data_interval=None,
        restriction=TimeRestriction(START, None, catchup=catchup),
        now=NOW,
    )
    assert info == NextRunInfo.exact(START)


def test_once_without_start_date_runs_now() -> None:
    info = OnceTimetable().next_run_info(
        last_automated_data_interval=None,
        restriction=TimeRestriction(None, None, catchup=False),
        now=NOW,
    )
    assert info == NextRunInfo.exact(NOW)


def test_once_runs_only_once() -> None:
    info = OnceTimetable().next_run_info(
        last_automated_data_interval=DataInterval.exact(START),
        restriction=TimeRestriction(START, None, catchup=True),
        now=NOW,
    )
    assert info is None


def test_once_with_start_date_after_end_date_never_runs() -> None:
    info = OnceTimetable().next_run_info(
        last_automated_data_interval=None,
        restriction=TimeRestriction(START, datetime(2024, 4, 1, tzinfo=UTC), catchup=True),
        now=NOW,
    )
    assert info is None


def test_once_summary_and_flags() -> None:
    timetable = OnceTimetable()
    assert (timetable.summary, timetable.periodic, timetable.can_be_scheduled) == (
        "@once",
        False,
        True,
    )


def test_continuous_first_run_covers_start_date_to_now() -> None:
    info = ContinuousTimetable().next_run_info(
        last_automated_data_interval=None,
        restriction=TimeRestriction(START, None, catchup=False),
        now=NOW,
    )
    assert info == NextRunInfo.interval(START, NOW)


def test_continuous_first_run_with_future_start_date_is_at_start_date() -> None:
    later = datetime(2024, 7, 1, tzinfo=UTC)
    info = ContinuousTimetable().next_run_info(
        last_automated_data_interval=None,
        restriction=TimeRestriction(later, None, catchup=False),
        now=NOW,
    )
    assert info == NextRunInfo.interval(later, later)


def test_continuous_next_run_covers_last_end_to_now() -> None:
    last_end = datetime(2024, 6, 1, 11, 58, tzinfo=UTC)
    info = ContinuousTimetable().next_run_info(
        last_automated_data_interval=DataInterval(START, last_end),
        restriction=TimeRestriction(START, None, catchup=False),
        now=NOW,
    )
    assert info == NextRunInfo.interval(last_end, NOW)


def test_continuous_last_run_in_future_restarts_at_start_date_with_same_length() -> None:
    last = DataInterval(datetime(2024, 6, 2, tzinfo=UTC), datetime(2024, 6, 2, 0, 10, tzinfo=UTC))
    info = ContinuousTimetable().next_run_info(
        last_automated_data_interval=last,
        restriction=TimeRestriction(START, None, catchup=False),
        now=NOW,
    )
    assert info == NextRunInfo.interval(START, datetime(2024, 5, 1, 0, 10, tzinfo=UTC))


def test_continuous_stops_after_end_date() -> None:
    info = ContinuousTimetable().next_run_info(
        last_automated_data_interval=DataInterval(START, datetime(2024, 6, 1, 11, tzinfo=UTC)),
        restriction=TimeRestriction(START, datetime(2024, 6, 1, 11, 30, tzinfo=UTC), catchup=False),
        now=NOW,
    )
    assert info is None


def test_continuous_allows_one_active_run() -> None:
    timetable = ContinuousTimetable()
    assert (timetable.active_runs_limit, timetable.summary) == (1, "@continuous")


def test_asset_timetable_never_schedules_from_the_clock() -> None:
    timetable = AssetTriggeredTimetable({"any": [{"asset": {"uri": "s3://bucket/a"}}]})
    info = timetable.next_run_info(
        last_automated_data_interval=None,
        restriction=TimeRestriction(START, None, catchup=True),
        now=NOW,
    )
    assert info is None


def test_asset_timetable_summary_and_description() -> None:
    timetable = AssetTriggeredTimetable({"asset": {"uri": "s3://bucket/a"}})
    assert (timetable.summary, timetable.description, timetable.periodic) == (
        "Asset",
        "Triggered by assets",
        False,
    )


def test_asset_timetable_keeps_a_private_copy_of_the_condition() -> None:
    condition = {"all": [{"asset": {"uri": "s3://bucket/a"}}]}
    timetable = AssetTriggeredTimetable(condition)
    condition["all"].append({"asset": {"uri": "s3://bucket/b"}})
    assert timetable.condition == {"all": [{"asset": {"uri": "s3://bucket/a"}}]}


def test_asset_timetable_rejects_condition_that_is_not_json() -> None:
    with pytest.raises(InvalidScheduleError, match="must be JSON-serializable"):
        AssetTriggeredTimetable({"asset": object()})
