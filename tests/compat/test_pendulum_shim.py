"""The minimal pendulum stand-in, used when pendulum is not installed."""

from __future__ import annotations

import importlib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType
from zoneinfo import ZoneInfo

import pytest

from tradewind.runtime.loader import load_dag_file


@pytest.fixture
def pendulum(compat: None) -> ModuleType:
    module = importlib.import_module("pendulum")
    if "tradewind" not in getattr(module, "__version__", ""):
        pytest.skip("the real pendulum is installed")
    return module


def test_datetime_is_aware_and_utc_by_default(pendulum: ModuleType) -> None:
    assert pendulum.datetime(2024, 1, 1) == datetime(2024, 1, 1, tzinfo=UTC)
    assert pendulum.datetime(2024, 1, 1).utcoffset() == timedelta(0)


def test_datetime_takes_a_zone_name(pendulum: ModuleType) -> None:
    moment = pendulum.datetime(2024, 7, 1, 12, tz="Europe/Amsterdam")
    assert moment.tzinfo == ZoneInfo("Europe/Amsterdam") and moment.hour == 12


def test_today_add_negative_days_is_yesterday_midnight(pendulum: ModuleType) -> None:
    yesterday = pendulum.today("UTC").add(days=-1)
    expected = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    assert yesterday == expected - timedelta(days=1)


def test_add_months_clamps_to_the_last_day(pendulum: ModuleType) -> None:
    assert pendulum.datetime(2024, 1, 31).add(months=1) == pendulum.datetime(2024, 2, 29)


def test_add_hours_counts_real_time_across_a_dst_change(pendulum: ModuleType) -> None:
    before = pendulum.datetime(2024, 3, 31, 1, tz="Europe/Amsterdam")
    assert before.add(hours=1).hour == 3  # 02:00 does not exist that night


def test_start_and_end_of_month(pendulum: ModuleType) -> None:
    moment = pendulum.datetime(2024, 2, 10, 15, 30)
    assert moment.start_of("month") == pendulum.datetime(2024, 2, 1)
    assert moment.end_of("month") == pendulum.datetime(2024, 2, 29, 23, 59, 59, 999999)


def test_duration_is_a_timedelta(pendulum: ModuleType) -> None:
    assert pendulum.duration(days=1, hours=2) == timedelta(hours=26)
    assert pendulum.duration(hours=3).in_minutes() == 180


def test_parse_reads_iso_dates(pendulum: ModuleType) -> None:
    assert pendulum.parse("2024-03-01") == pendulum.datetime(2024, 3, 1)
    assert pendulum.parse("2024-03-01T10:00:00Z").hour == 10


def test_formatting_helpers(pendulum: ModuleType) -> None:
    moment = pendulum.datetime(2024, 3, 1, 8, 5, 9)
    assert moment.to_date_string() == "2024-03-01"
    assert moment.to_datetime_string() == "2024-03-01 08:05:09"
    assert moment.to_iso8601_string() == "2024-03-01T08:05:09Z"


def test_unsupported_pendulum_name_suggests_installing_it(pendulum: ModuleType) -> None:
    with pytest.raises(ImportError, match=r"pip install pendulum"):
        exec("from pendulum import Interval", {})


def test_pendulum_start_date_in_a_zone_schedules_in_that_zone(
    pendulum: ModuleType, tmp_path: Path
) -> None:
    dag_file = tmp_path / "zoned.py"
    dag_file.write_text(
        "import pendulum\n"
        "from airflow import DAG\n"
        "with DAG('zoned', schedule='0 6 * * *',\n"
        "         start_date=pendulum.datetime(2024, 1, 1, tz='Europe/Amsterdam')):\n"
        "    pass\n"
    )
    dag = load_dag_file(dag_file).dags["zoned"]
    assert dag.timezone == ZoneInfo("Europe/Amsterdam")
