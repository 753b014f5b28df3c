"""Timetables: when a DAG's runs happen and which data interval each covers.

Pure date math with Airflow 3's semantics. Nothing here reads the clock: the caller
passes ``now``. :meth:`Timetable.next_run_info` returns the next run even when its
``run_after`` is later than ``now`` (as Airflow's ``next_dagrun_info`` does); the
scheduler creates the run once ``now >= run_after``. All returned datetimes are aware
and in UTC.

A leaf package: it imports only the standard library, croniter and ``tradewind.errors``.
"""

from tradewind.timetables.base import DataInterval, NextRunInfo, TimeRestriction, Timetable
from tradewind.timetables.cron import CRON_PRESETS
from tradewind.timetables.interval import CronDataIntervalTimetable, DeltaDataIntervalTimetable
from tradewind.timetables.schedule import schedule_to_timetable
from tradewind.timetables.serialization import timetable_from_dict
from tradewind.timetables.simple import (
    AssetTriggeredTimetable,
    ContinuousTimetable,
    NullTimetable,
    OnceTimetable,
)
from tradewind.timetables.trigger import CronTriggerTimetable, DeltaTriggerTimetable

__all__ = [
    "CRON_PRESETS",
    "AssetTriggeredTimetable",
    "ContinuousTimetable",
    "CronDataIntervalTimetable",
    "CronTriggerTimetable",
    "DataInterval",
    "DeltaDataIntervalTimetable",
    "DeltaTriggerTimetable",
    "NextRunInfo",
    "NullTimetable",
    "OnceTimetable",
    "TimeRestriction",
    "Timetable",
    "schedule_to_timetable",
    "timetable_from_dict",
]
