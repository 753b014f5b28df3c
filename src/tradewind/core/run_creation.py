"""When a DAG's next scheduled run is due, from its serialized timetable."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from tradewind.contracts.dagspec import DagSpec
from tradewind.timetables import (
    DataInterval,
    NextRunInfo,
    TimeRestriction,
    Timetable,
    timetable_from_dict,
)


@lru_cache(maxsize=1024)
def _timetable(spec: DagSpec) -> Timetable:
    return timetable_from_dict(spec.timetable)


def timetable_of(spec: DagSpec) -> Timetable:
    return _timetable(spec)


@dataclass(frozen=True, slots=True)
class RunDecision:
    #: The run to create now, or None.
    due: NextRunInfo | None
    #: When to look again (the next run's run_after), or None if no more runs.
    next_check: datetime | None


def _parse(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def next_scheduled_run(
    spec: DagSpec,
    *,
    last_automated: DataInterval | None,
    active_runs: int,
    now: datetime,
) -> RunDecision:
    """The scheduled run to create now, honouring catchup, start/end dates and max_active_runs."""
    timetable = _timetable(spec)
    if not timetable.can_be_scheduled:
        return RunDecision(None, None)
    restriction = TimeRestriction(
        earliest=_parse(spec.start_date), latest=_parse(spec.end_date), catchup=spec.catchup
    )
    info = timetable.next_run_info(
        last_automated_data_interval=last_automated, restriction=restriction, now=now
    )
    if info is None:
        return RunDecision(None, None)
    if info.run_after > now:
        return RunDecision(None, info.run_after)
    if active_runs >= spec.max_active_runs:
        return RunDecision(None, None)  # looked at again when a run finishes
    return RunDecision(info, info.run_after)
