"""``outlet_events``: what a running task attaches to its asset and alias outlets, and what
its end event reports of it."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from tradewind.errors import OutletEventError
from tradewind.runtime.outlet_events import OutletEventAccessors, outlet_event_reports
from tradewind.sdk.asset import Asset, AssetAlias, Metadata
from tradewind.sdk.python_callable import call_with_context

RAW = Asset("s3://lake/raw")
REPORT = Asset(name="report", uri="s3://lake/report", group="reports")
EXPORTS = AssetAlias("exports")


def accessors(*outlets: Any) -> OutletEventAccessors:
    return OutletEventAccessors(outlets or (RAW, REPORT, EXPORTS), "t")


def test_nothing_attached_reports_nothing() -> None:
    events = accessors()
    events[RAW]  # looking up alone attaches nothing
    assert outlet_event_reports(events) == ()


def test_the_extra_of_a_declared_asset_is_reported() -> None:
    events = accessors()
    events[RAW].extra = {"rows": 3}
    events["report"].extra["pages"] = (1, 2)  # by name; a tuple becomes a JSON list

    assert outlet_event_reports(events) == (
        {"name": "s3://lake/raw", "uri": "s3://lake/raw", "group": "asset", "extra": {"rows": 3}},
        {
            "name": "report",
            "uri": "s3://lake/report",
            "group": "reports",
            "extra": {"pages": [1, 2]},
        },
    )


def test_lookups_by_object_name_and_uri_share_one_accessor() -> None:
    events = accessors()
    assert events[REPORT] is events["report"] is events["s3://lake/report"]
    assert events.for_asset(uri="s3://lake/report") is events[REPORT]
    assert events[EXPORTS] is events["exports"] is events.for_asset_alias(name="exports")
    assert set(events) == {RAW, REPORT, EXPORTS}


def test_events_added_through_aliases_are_reported_once_per_asset_and_extra() -> None:
    events = accessors(RAW, EXPORTS, AssetAlias("daily"))
    events[EXPORTS].add(Asset("s3://out/1"), extra={"n": 1})
    events["daily"].add(Asset("s3://out/1"), extra={"n": 1})
    events[EXPORTS].add("s3://out/2")

    assert outlet_event_reports(events) == (
        {
            "name": "s3://out/1",
            "uri": "s3://out/1",
            "group": "asset",
            "extra": {"n": 1},
            "aliases": ["exports", "daily"],
        },
        {
            "name": "s3://out/2",
            "uri": "s3://out/2",
            "group": "asset",
            "extra": {},
            "aliases": ["exports"],
        },
    )


def test_adding_through_an_alias_that_is_not_an_outlet_is_an_error_naming_it() -> None:
    events = accessors(RAW)
    with pytest.raises(OutletEventError) as raised:
        events[AssetAlias("other")].add(Asset("s3://x"))
    message = str(raised.value)
    assert "'t'" in message and "'other'" in message and "'s3://x'" in message
    assert "Add AssetAlias('other') to the task's outlets" in message


def test_an_extra_that_is_not_json_is_an_error() -> None:
    events = accessors()
    events[RAW].extra["when"] = object()
    with pytest.raises(OutletEventError, match="cannot be stored as JSON"):
        outlet_event_reports(events)


def test_adding_on_an_assets_accessor_does_nothing_but_warn(
    caplog: pytest.LogCaptureFixture,
) -> None:
    events = accessors()
    with caplog.at_level(logging.WARNING):
        events[RAW].add(Asset("s3://x"))
    assert outlet_event_reports(events) == ()
    assert "AssetAlias" in caplog.text


def test_a_task_generator_yields_metadata_and_returns_its_result() -> None:
    events = accessors()

    def produce() -> Any:
        yield Metadata(RAW, {"rows": 1})
        yield Metadata("s3://out/9", {"n": 9}, alias="exports")
        return "done"

    assert call_with_context(produce, [], {}, {"outlet_events": events}) == "done"
    reports = outlet_event_reports(events)
    assert [(r["uri"], r["extra"], r.get("aliases")) for r in reports] == [
        ("s3://lake/raw", {"rows": 1}, None),
        ("s3://out/9", {"n": 9}, ["exports"]),
    ]
