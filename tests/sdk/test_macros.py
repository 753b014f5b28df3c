from __future__ import annotations

import datetime as dt
import importlib.util
import json
import random
import time
import uuid

import pytest

from tradewind.sdk import macros
from tradewind.sdk.templating import TemplateOptions, make_environment, render_value

UTC = dt.UTC
NOW = dt.datetime(2024, 3, 5, 6, 7, 8, tzinfo=UTC)


def test_ds_add_subtracts_days() -> None:
    assert macros.ds_add("2015-01-06", -5) == "2015-01-01"


def test_ds_add_adds_days_across_a_month_end() -> None:
    assert macros.ds_add("2015-01-30", 5) == "2015-02-04"


def test_ds_add_zero_days_returns_the_date() -> None:
    assert macros.ds_add("2015-01-06", 0) == "2015-01-06"


def test_ds_format_reformats_a_date() -> None:
    assert macros.ds_format("2015-01-01", "%Y-%m-%d", "%m-%d-%y") == "01-01-15"


def test_ds_format_reads_other_input_formats() -> None:
    assert macros.ds_format("1/5/2024", "%m/%d/%Y", "%Y-%m-%d") == "2024-01-05"


def test_stdlib_names_match_airflow() -> None:
    assert (macros.datetime, macros.timedelta) == (dt.datetime, dt.timedelta)
    assert (macros.time, macros.uuid, macros.json) == (time, uuid, json)
    assert macros.random is random.random


@pytest.mark.skipif(importlib.util.find_spec("dateutil") is None, reason="needs dateutil")
def test_dateutil_is_available_with_its_submodules() -> None:
    moved = NOW + macros.dateutil.relativedelta.relativedelta(months=1)
    assert moved == dt.datetime(2024, 4, 5, 6, 7, 8, tzinfo=UTC)


def test_unknown_macro_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="has no attribute 'nope'"):
        macros.nope  # noqa: B018


def test_diff_for_humans_in_the_past_relative_to_since() -> None:
    past = NOW - dt.timedelta(days=3)
    assert macros.datetime_diff_for_humans(past, NOW) == "3 days before"


def test_diff_for_humans_in_the_future_relative_to_since() -> None:
    later = NOW + dt.timedelta(hours=2)
    assert macros.datetime_diff_for_humans(later, NOW) == "2 hours after"


def test_diff_for_humans_relative_to_now_in_the_past() -> None:
    moment = dt.datetime.now(UTC) - dt.timedelta(minutes=5, seconds=1)
    assert macros.datetime_diff_for_humans(moment) == "5 minutes ago"


def test_diff_for_humans_relative_to_now_in_the_future() -> None:
    moment = dt.datetime.now(UTC) + dt.timedelta(days=2, minutes=1)
    assert macros.datetime_diff_for_humans(moment) == "in 2 days"


@pytest.mark.parametrize(
    ("delta", "expected"),
    [
        (dt.timedelta(seconds=2), "a few seconds before"),
        (dt.timedelta(seconds=59), "59 seconds before"),
        (dt.timedelta(minutes=1), "1 minute before"),
        (dt.timedelta(hours=23), "23 hours before"),
        (dt.timedelta(days=1), "1 day before"),
        (dt.timedelta(weeks=2), "2 weeks before"),
        (dt.timedelta(days=27), "4 weeks before"),
    ],
)
def test_diff_for_humans_units(delta: dt.timedelta, expected: str) -> None:
    assert macros.datetime_diff_for_humans(NOW - delta, NOW) == expected


def test_diff_for_humans_counts_calendar_months() -> None:
    since = dt.datetime(2024, 1, 31, tzinfo=UTC)
    assert macros.datetime_diff_for_humans(dt.datetime(2024, 3, 31, tzinfo=UTC), since) == (
        "2 months after"
    )


def test_diff_for_humans_counts_years() -> None:
    since = dt.datetime(2020, 3, 5, tzinfo=UTC)
    assert macros.datetime_diff_for_humans(dt.datetime(2022, 3, 5, tzinfo=UTC), since) == (
        "2 years after"
    )


def test_diff_for_humans_accepts_naive_and_aware_values() -> None:
    naive = dt.datetime(2024, 3, 4, 6, 7, 8)
    assert macros.datetime_diff_for_humans(naive, NOW) == "1 day before"


def test_macros_are_usable_from_a_template() -> None:
    env = make_environment(TemplateOptions())
    context = {"macros": macros, "ds": "2024-03-05"}
    assert render_value("{{ macros.ds_add(ds, 7) }}", context, env) == "2024-03-12"
