"""Timetables without a repeating clock: None, ``@once``, ``@continuous`` and assets.

A manual run of any of them covers just the instant it was triggered at.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Self

from tradewind.errors import InvalidScheduleError
from tradewind.timetables.base import (
    DataInterval,
    NextRunInfo,
    TimeRestriction,
    Timetable,
    as_utc,
)


class _PointTimetable(Timetable):
    """Shared by the timetables here: no constructor fields, point-in-time manual runs."""

    periodic = False

    def infer_manual_data_interval(self, *, run_after: datetime) -> DataInterval:
        return DataInterval.exact(as_utc(run_after, "run_after"))

    def _fields(self) -> dict[str, Any]:
        return {}

    @classmethod
    def _from_fields(cls, fields: Mapping[str, Any]) -> Self:
        return cls()


class NullTimetable(_PointTimetable):
    """``schedule=None``: runs only when triggered by hand or through the API."""

    can_be_scheduled = False

    @property
    def summary(self) -> str:
        return "None"

    @property
    def description(self) -> str:
        return "Never, external triggers only"

    def next_run_info(
        self,
        *,
        last_automated_data_interval: DataInterval | None,
        restriction: TimeRestriction,
        now: datetime,
    ) -> NextRunInfo | None:
        return None


class OnceTimetable(_PointTimetable):
    """``@once``: one run at start_date (or ``now`` without one), whatever ``catchup`` is."""

    @property
    def summary(self) -> str:
        return "@once"

    @property
    def description(self) -> str:
        return "Once, as soon as possible"

    def next_run_info(
        self,
        *,
        last_automated_data_interval: DataInterval | None,
        restriction: TimeRestriction,
        now: datetime,
    ) -> NextRunInfo | None:
        if last_automated_data_interval is not None:
            return None
        run_after = restriction.earliest or as_utc(now, "now")
        if restriction.latest is not None and run_after > restriction.latest:
            return None
        return NextRunInfo.exact(run_after)


class ContinuousTimetable(_PointTimetable):
    """``@continuous``: a new run as soon as the previous one finishes, one at a time.

    Each run covers the time since the previous run's interval ended, up to ``now``.
    """

    active_runs_limit = 1

    @property
    def summary(self) -> str:
        return "@continuous"

    @property
    def description(self) -> str:
        return "As frequently as possible, but only one run at a time."

    def next_run_info(
        self,
        *,
        last_automated_data_interval: DataInterval | None,
        restriction: TimeRestriction,
        now: datetime,
    ) -> NextRunInfo | None:
        now = as_utc(now, "now")
        start_date = restriction.earliest or now
        last = last_automated_data_interval
        if last is None:
            start, end = start_date, max(start_date, now)
        elif last.end > now:
            # The last run lies in the future (start_date was moved forward): Airflow
            # restarts from start_date with an interval as long as that run's.
            start = start_date
            end = start + (last.end - last.start)
        else:
            start, end = last.end, now
        if restriction.latest is not None and end > restriction.latest:
            return None
        return NextRunInfo.interval(start, end)


class AssetTriggeredTimetable(_PointTimetable):
    """Runs when assets are updated; the scheduler never creates runs from the clock.

    ``condition`` is the SDK's JSON description of the assets (any, all, nesting); this
    package only keeps and round-trips it.
    """

    def __init__(self, condition: Mapping[str, Any]) -> None:
        try:
            # A JSON round trip both proves the condition serializable and takes a private
            # copy, so later changes to the caller's dict cannot change this timetable.
            copied = json.loads(json.dumps(condition, allow_nan=False))
        except (TypeError, ValueError) as exc:
            raise InvalidScheduleError(
                f"An asset condition must be JSON-serializable, got {condition!r}: {exc}."
            ) from exc
        if not isinstance(copied, dict):
            raise InvalidScheduleError(
                f"An asset condition must be a dict, got {type(condition).__name__}."
            )
        self._condition: dict[str, Any] = copied

    @property
    def condition(self) -> dict[str, Any]:
        """A copy of the asset condition, safe to change."""
        copied: dict[str, Any] = json.loads(json.dumps(self._condition))
        return copied

    @property
    def summary(self) -> str:
        return "Asset"

    @property
    def description(self) -> str:
        return "Triggered by assets"

    def next_run_info(
        self,
        *,
        last_automated_data_interval: DataInterval | None,
        restriction: TimeRestriction,
        now: datetime,
    ) -> NextRunInfo | None:
        return None

    def _fields(self) -> dict[str, Any]:
        return {"condition": self.condition}

    @classmethod
    def _from_fields(cls, fields: Mapping[str, Any]) -> Self:
        return cls(fields["condition"])
