"""The results of a benchmark run: a plain-text table for the terminal and a Markdown page."""

from __future__ import annotations

import os
import platform
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from bench.measure import Timing
from bench.scenarios import SCENARIOS, Case
from bench.systems import (
    QUOTED_AIRFLOW_LABEL,
    QUOTED_AIRFLOW_SECONDS,
    QUOTED_AIRFLOW_SERVER,
    QUOTED_AIRFLOW_SERVER_LABEL,
)


@dataclass(frozen=True)
class Row:
    """One timed case (or one figure of a probed case) of one scenario on one system."""

    system: str
    scenario: str
    case: Case
    timing: Timing
    #: (median - median of the empty-DAG baseline) / tasks, in seconds; None without a baseline.
    per_task: float | None = None
    #: The probe's figure key and its description and unit (None: a command's wall time).
    figure: str | None = None
    what: str = ""
    unit: str = "s"

    @property
    def label(self) -> str:
        return f"{self.case.label}: {self.what}" if self.what else self.case.label


@dataclass(frozen=True)
class Run:
    """Everything a report shows."""

    rows: list[Row]
    repeat: int
    warmup: int
    versions: dict[str, str]
    started: datetime = field(default_factory=lambda: datetime.now(UTC))
    #: The machine's 1-minute load average when the run started (other work slows figures).
    load: float = field(default_factory=lambda: os.getloadavg()[0])


def with_per_task(rows: Sequence[Row]) -> list[Row]:
    """``rows`` with the per-task overhead of every ``dags test`` case that has a baseline."""
    baselines = {row.system: row.timing.median for row in rows if row.case.baseline}
    result = []
    for row in rows:
        base = baselines.get(row.system)
        if row.case.tasks and base is not None and row.figure is None:
            row = replace(row, per_task=(row.timing.median - base) / row.case.tasks)
        result.append(row)
    return result


def ms(seconds: float) -> str:
    """A duration with about three significant digits: ``2.17 s``, ``412 ms``, ``3.96 ms``."""
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 0.1:
        return f"{seconds * 1000:.0f} ms"
    if seconds >= 0.01:
        return f"{seconds * 1000:.1f} ms"
    return f"{seconds * 1000:.2f} ms"


def value(amount: float, unit: str) -> str:
    """A figure in its unit: a duration as :func:`ms` does, else ``163 tasks/s``, ``148 MB``."""
    if unit == "s":
        return ms(amount)
    return f"{amount:.3g} {unit}" if amount < 100 else f"{amount:.0f} {unit}"


def _cells(row: Row) -> list[str]:
    t = row.timing
    return [
        row.system,
        row.scenario,
        row.label,
        str(len(t.seconds)),
        value(t.median, row.unit),
        f"{value(t.low, row.unit)} - {value(t.high, row.unit)}",
        ms(row.per_task) if row.per_task is not None else "",
    ]


_HEADER = ["system", "scenario", "measurement", "runs", "median", "min - max", "per task"]
_RIGHT = {3, 4, 5, 6}


def verdicts(run: Run) -> list[str]:
    """One line per goal of the issue: the figure, the limit, met or not."""
    lines = []
    for row in run.rows:
        scenario = SCENARIOS.get(row.scenario)
        for goal in scenario.goals if scenario else ():
            if goal.figure != row.figure:
                continue
            measured = row.per_task if goal.per_task else row.timing.median
            if measured is None:
                continue
            met = measured > goal.limit if goal.above else measured < goal.limit
            where = f" ({row.case.label})" if row.figure is not None else ""
            sign = ">" if goal.above else "<"
            lines.append(
                f"{row.system} {row.scenario}{where}, {goal.what}: {value(measured, row.unit)} "
                f"(goal {sign} {value(goal.limit, row.unit)}): {'met' if met else 'NOT met'}"
            )
    return lines


def comparisons(run: Run) -> list[str]:
    """How the measured medians compare with the Airflow figures quoted in the issue."""
    lines = []
    for row in run.rows:
        if row.figure is not None:
            server = QUOTED_AIRFLOW_SERVER.get((row.scenario, row.figure))
            if server is None:
                continue
            median = row.timing.median
            better = median / server if row.unit == "tasks/s" else server / median
            word = "more" if row.unit == "tasks/s" else "less"
            lines.append(
                f"{row.scenario} ({row.case.label}), {row.what}: {row.system} "
                f"{value(median, row.unit)}, Airflow {value(server, row.unit)} (quoted): "
                f"{better:.0f}x {word}"
            )
            continue
        quoted = QUOTED_AIRFLOW_SECONDS.get(row.scenario)
        if quoted is None or row.case.baseline:
            continue
        lines.append(
            f"{row.scenario}: {row.system} {ms(row.timing.median)}, Airflow {quoted:g} s "
            f"(quoted): {quoted / row.timing.median:.0f}x less"
        )
    return lines


def _machine() -> str:
    return (
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}"
    )


def text_table(run: Run) -> str:
    rows = [_HEADER, *(_cells(row) for row in run.rows)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(_HEADER))]

    def line(cells: list[str]) -> str:
        return "  ".join(
            cell.rjust(width) if i in _RIGHT else cell.ljust(width)
            for i, (cell, width) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    out = [line(rows[0]), line(["-" * w for w in widths])]
    out += [line(r) for r in rows[1:]]
    notes = verdicts(run) + comparisons(run)
    if notes:
        out += ["", *notes]
    return "\n".join(out)


def markdown(run: Run) -> str:
    versions = ", ".join(f"{name} {version}" for name, version in run.versions.items())
    out = [
        "# Benchmark results",
        "",
        f"Run {run.started:%Y-%m-%d %H:%M} UTC on {_machine()}; {versions}; load average "
        f"{run.load:.2f} when it started.",
        f"{run.repeat} counted runs after {run.warmup} warm-up run(s) each. Command "
        "scenarios: whole-command wall time; per task = (median - median of the empty DAG) / "
        "tasks. Server scenarios: figures read from the metadata database (recorded start and "
        "end times) or /proc; see docs/performance.md.",
        "",
        "| " + " | ".join(_HEADER) + " |",
        "| " + " | ".join("---:" if i in _RIGHT else "---" for i in range(len(_HEADER))) + " |",
    ]
    out += ["| " + " | ".join(_cells(row)) + " |" for row in run.rows]
    goal_lines = verdicts(run)
    if goal_lines:
        out += ["", "## Goals", "", *(f"- {line}" for line in goal_lines)]
    compared = comparisons(run)
    if compared:
        out += [
            "",
            "## For scale",
            "",
            f"{QUOTED_AIRFLOW_LABEL}: chain50 "
            f"{QUOTED_AIRFLOW_SECONDS['chain50']:g} s, fanout200 "
            f"{QUOTED_AIRFLOW_SECONDS['fanout200']:g} s. {QUOTED_AIRFLOW_SERVER_LABEL}: chain "
            "of 50 56 s from trigger to success with 0.9 s between chained tasks, 2.8 tasks/s "
            "on the 200-task fan-out (73 s), about 7 s from launch to healthy, about 950 MB "
            "resident over its 6 processes when idle. Not measured here: side-by-side runs "
            "come with the Airflow side-by-side issue.",
            "",
            *(f"- {line}" for line in compared),
        ]
    out += ["", "Reproduce with `python -m bench run --db sqlite --db postgres` (or `make bench`)."]
    return "\n".join(out) + "\n"


def write_markdown(run: Run, path: Path) -> None:
    """Write the page through a ``*.tmp`` file, so a reader never sees half of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".tmp")
    partial.write_text(markdown(run))
    partial.replace(path)
