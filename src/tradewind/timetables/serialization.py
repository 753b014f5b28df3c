"""Rebuilding a timetable from the dict its ``serialize()`` returned.

The ``type`` key names the class; the other keys are its constructor arguments in JSON
form. Only the timetables of this package are known: the mapping below is the whole
list, so a stored DAG can never name arbitrary code to import.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tradewind.errors import InvalidScheduleError
from tradewind.timetables.base import Timetable
from tradewind.timetables.interval import CronDataIntervalTimetable, DeltaDataIntervalTimetable
from tradewind.timetables.simple import (
    AssetTriggeredTimetable,
    ContinuousTimetable,
    NullTimetable,
    OnceTimetable,
)
from tradewind.timetables.trigger import CronTriggerTimetable, DeltaTriggerTimetable

_CLASSES: Mapping[str, type[Timetable]] = {
    cls.__name__: cls
    for cls in (
        CronTriggerTimetable,
        DeltaTriggerTimetable,
        CronDataIntervalTimetable,
        DeltaDataIntervalTimetable,
        NullTimetable,
        OnceTimetable,
        ContinuousTimetable,
        AssetTriggeredTimetable,
    )
}


def timetable_from_dict(data: Mapping[str, Any]) -> Timetable:
    """The timetable that ``data`` (from :meth:`Timetable.serialize`) describes."""
    if not isinstance(data, Mapping):
        raise InvalidScheduleError(
            f"A serialized timetable must be a dict, got {type(data).__name__}."
        )
    kind = data.get("type")
    cls = _CLASSES.get(kind) if isinstance(kind, str) else None
    if cls is None:
        raise InvalidScheduleError(
            f"Unknown timetable type {kind!r} in {dict(data)!r}; known types: "
            f"{', '.join(sorted(_CLASSES))}."
        )
    fields = {key: value for key, value in data.items() if key != "type"}
    try:
        return cls._from_fields(fields)
    except KeyError as exc:
        raise InvalidScheduleError(
            f"Serialized {kind} is missing the field {exc.args[0]!r}: {dict(data)!r}."
        ) from exc
