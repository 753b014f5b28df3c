"""What a benchmark run produced: one :class:`Row` per figure of a case on a system, and the
:class:`Run` around them (versions, machine load, protocol)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from bench.measure import Timing
from bench.scenarios import Case

#: The figure key of a command's wall time, and of its derived per-unit overhead.
WALL = "wall"
PER_UNIT = "per_unit"


@dataclass(frozen=True)
class Row:
    """One figure of one case on one system: its counted values, or why there are none."""

    system: str
    scenario: str
    case: Case
    figure: str = WALL
    #: What the figure is ("" for a command's wall time) and its unit.
    what: str = ""
    unit: str = "s"
    timing: Timing | None = None
    #: Why there is no figure (the system cannot run it here, it failed, it timed out).
    why: str | None = None
    #: False when the system cannot run this case here at all (no goal is checked on it).
    runnable: bool = True
    #: Counted runs asked for (a capped case has fewer).
    asked: int = 0

    @property
    def label(self) -> str:
        return f"{self.case.label}: {self.what}" if self.what else self.case.label

    @property
    def runs(self) -> int:
        return len(self.timing.seconds) if self.timing else 0


@dataclass(frozen=True)
class Run:
    """Everything a report shows."""

    rows: list[Row]
    #: The systems measured, in the order they ran, by name → title.
    systems: dict[str, str]
    repeat: int
    warmup: int
    versions: dict[str, str]
    started: datetime = field(default_factory=lambda: datetime.now(UTC))
    finished: datetime = field(default_factory=lambda: datetime.now(UTC))
    #: The machine's 1-minute load average at the start and at the end (other work on the
    #: machine slows figures down).
    load: float = field(default_factory=lambda: os.getloadavg()[0])
    load_end: float = field(default_factory=lambda: os.getloadavg()[0])


def with_per_unit(rows: Sequence[Row]) -> list[Row]:
    """``rows`` with a per-unit row after every command row that handles units and has its
    group's baseline: (each counted value - the baseline's median) / units."""
    baselines = {
        (row.system, row.case.group): row.timing.median
        for row in rows
        if row.case.baseline and row.timing is not None
    }
    result = []
    for row in rows:
        result.append(row)
        if row.figure != WALL or not row.case.units or row.case.baseline:
            continue
        base = baselines.get((row.system, row.case.group))
        per_unit = replace(row, figure=PER_UNIT, what=f"per {row.case.unit}, minus the baseline")
        if row.timing is None:
            result.append(per_unit)
        elif base is not None:
            values = tuple((value - base) / row.case.units for value in row.timing.seconds)
            result.append(replace(per_unit, timing=Timing(values)))
    return result
