"""The data a timetable works with, and the interface every timetable implements.

A timetable answers two questions for the scheduler: "which run comes next?"
(:meth:`Timetable.next_run_info`) and "what data interval does a manual run cover?"
(:meth:`Timetable.infer_manual_data_interval`).

Decision on runs in the future: like Airflow's ``next_dagrun_info``,
:meth:`Timetable.next_run_info` returns the next run even when its ``run_after`` is
later than ``now``. The scheduler stores it as "the next run" (Airflow's
``next_dagrun_create_after``) and creates the run once ``now >= run_after``; the
timetable never filters on the clock itself. ``now`` is only used where Airflow reads
the clock: to skip missed runs when ``catchup`` is off, to pick the first run of a DAG
without a start date, and by ``@once`` and ``@continuous``.

Every datetime these types hold is time-zone aware and normalized to UTC when built.
Why: two datetimes that share one ``ZoneInfo`` compare by wall-clock time and ignore
``fold``, so the two 02:30s of a fall-back night would compare equal; in UTC they don't.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ClassVar, Self


def as_utc(value: datetime, name: str) -> datetime:
    """Return ``value`` converted to UTC; ``name`` says which argument was naive."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(
            f"{name} must be a time-zone aware datetime, got naive {value.isoformat()}; "
            "attach a tzinfo (for example datetime.UTC) before passing it."
        )
    return value.astimezone(UTC)


@dataclass(frozen=True)
class DataInterval:
    """The span of data one run works on; ``start == end`` for point-in-time runs."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        # object.__setattr__ because the dataclass is frozen; normalizing here keeps every
        # comparison below in UTC (see the module docstring).
        object.__setattr__(self, "start", as_utc(self.start, "DataInterval.start"))
        object.__setattr__(self, "end", as_utc(self.end, "DataInterval.end"))
        if self.end < self.start:
            raise ValueError(
                f"DataInterval end {self.end.isoformat()} is before its start "
                f"{self.start.isoformat()}."
            )

    @classmethod
    def exact(cls, at: datetime) -> DataInterval:
        """An interval that is just the instant ``at``."""
        return cls(at, at)


@dataclass(frozen=True)
class NextRunInfo:
    """The run a timetable wants created next.

    ``run_after`` is the earliest time the run may be created; ``logical_date`` is what
    identifies it (the data interval's start, as in Airflow).
    """

    run_after: datetime
    data_interval: DataInterval
    logical_date: datetime

    def __post_init__(self) -> None:
        object.__setattr__(self, "run_after", as_utc(self.run_after, "NextRunInfo.run_after"))
        object.__setattr__(
            self, "logical_date", as_utc(self.logical_date, "NextRunInfo.logical_date")
        )

    @classmethod
    def exact(cls, at: datetime) -> NextRunInfo:
        """A run at ``at`` whose data interval is the instant ``at``."""
        return cls(run_after=at, data_interval=DataInterval.exact(at), logical_date=at)

    @classmethod
    def interval(cls, start: datetime, end: datetime) -> NextRunInfo:
        """A run over ``[start, end]`` that may start once ``end`` has passed."""
        return cls(run_after=end, data_interval=DataInterval(start, end), logical_date=start)


@dataclass(frozen=True)
class TimeRestriction:
    """Bounds on scheduled runs: ``earliest`` (start_date) and ``latest`` (end_date).

    Both bounds are inclusive. With ``catchup`` off, runs missed before ``now`` are
    skipped except the most recent one.
    """

    earliest: datetime | None
    latest: datetime | None
    catchup: bool

    def __post_init__(self) -> None:
        if self.earliest is not None:
            object.__setattr__(self, "earliest", as_utc(self.earliest, "TimeRestriction.earliest"))
        if self.latest is not None:
            object.__setattr__(self, "latest", as_utc(self.latest, "TimeRestriction.latest"))


class Timetable(ABC):
    """Decides when a DAG's runs happen and which data interval each one covers.

    Implementations are immutable values: equal when their serialized forms are equal,
    and rebuilt exactly by :func:`tradewind.timetables.timetable_from_dict`.
    """

    periodic: ClassVar[bool] = True
    """False for schedules that do not repeat on their own (None, @once, assets)."""

    can_be_scheduled: ClassVar[bool] = True
    """False only for ``schedule=None``: the scheduler never creates runs for it."""

    active_runs_limit: ClassVar[int | None] = None
    """A cap on concurrent runs that the timetable itself needs (1 for @continuous)."""

    @property
    @abstractmethod
    def summary(self) -> str:
        """A short label for the schedule, e.g. ``0 0 * * *`` or ``1 day, 0:00:00``."""

    @property
    @abstractmethod
    def description(self) -> str:
        """A sentence for people, e.g. ``At 00:00``."""

    @abstractmethod
    def next_run_info(
        self,
        *,
        last_automated_data_interval: DataInterval | None,
        restriction: TimeRestriction,
        now: datetime,
    ) -> NextRunInfo | None:
        """The next run to create after the last scheduled one, or None for no more runs.

        ``last_automated_data_interval`` is the data interval of the latest scheduled or
        backfilled run (manual runs do not count). The result may lie after ``now``.
        """

    @abstractmethod
    def infer_manual_data_interval(self, *, run_after: datetime) -> DataInterval:
        """The data interval of a run triggered by hand at ``run_after``."""

    @abstractmethod
    def _fields(self) -> dict[str, Any]:
        """The JSON-safe constructor arguments, without the type tag."""

    @classmethod
    @abstractmethod
    def _from_fields(cls, fields: Mapping[str, Any]) -> Self:
        """Rebuild an instance from what :meth:`_fields` returned."""

    def serialize(self) -> dict[str, Any]:
        """A JSON-safe dict that :func:`timetable_from_dict` turns back into ``self``."""
        return {"type": type(self).__name__, **self._fields()}

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Timetable):
            return NotImplemented
        return type(self) is type(other) and self.serialize() == other.serialize()

    def __hash__(self) -> int:
        return hash(json.dumps(self.serialize(), sort_keys=True))

    def __repr__(self) -> str:
        arguments = ", ".join(f"{key}={value!r}" for key, value in self._fields().items())
        return f"{type(self).__name__}({arguments})"
