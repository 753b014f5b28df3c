"""Reading a run: the same measurement side by side, ratios, goals and notes.

A :class:`Line` is one measurement (scenario, case, figure) with each system's row. Its
ratio is Tradewind over Airflow, oriented so that bigger means Tradewind is better: Airflow's
median over Tradewind's for times and memory, Tradewind's over Airflow's for throughputs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bench.formatting import value
from bench.results import Row, Run
from bench.scenarios import SCENARIOS, Target
from bench.systems import QUOTED_AIRFLOW

OURS = "tradewind"
THEIRS = "airflow"
#: Units where more is better; in every other unit (s, MB, processes) less is.
MORE_IS_BETTER = frozenset({"tasks/s"})


def ratio(ours: float, theirs: float, unit: str) -> float:
    """How many times better Tradewind's median is than Airflow's (bigger = Tradewind better)."""
    if unit in MORE_IS_BETTER:
        return ours / theirs
    return theirs / ours


@dataclass(frozen=True)
class Line:
    """One measurement on every system that has a row for it."""

    scenario: str
    label: str
    figure: str
    unit: str
    cells: dict[str, Row]

    @property
    def ratio(self) -> float | None:
        ours, theirs = self.cells.get(OURS), self.cells.get(THEIRS)
        if ours is None or theirs is None or ours.timing is None or theirs.timing is None:
            return None
        if ours.timing.median <= 0 or theirs.timing.median <= 0:
            return None  # a per-unit figure at or below its baseline: no meaningful ratio
        return ratio(ours.timing.median, theirs.timing.median, self.unit)

    @property
    def targets(self) -> list[Target]:
        scenario = SCENARIOS.get(self.scenario)
        if scenario is None or len(self.cells) < 2:
            return []
        if any(row.case.baseline or not row.runnable for row in self.cells.values()):
            return []  # a baseline is subtracted, not compared; a case one system cannot run
            # here (Airflow on PostgreSQL) has nothing to compare with
        return [target for target in scenario.targets if target.figure == self.figure]


def lines(rows: Sequence[Row]) -> list[Line]:
    """The rows grouped by measurement, in the order they were measured."""
    grouped: dict[tuple[str, str, str], dict[str, Row]] = {}
    for row in rows:
        grouped.setdefault((row.scenario, row.label, row.figure), {})[row.system] = row
    return [
        Line(scenario, label, figure, next(iter(cells.values())).unit, cells)
        for (scenario, label, figure), cells in grouped.items()
    ]


@dataclass(frozen=True)
class Verdict:
    """A target of the issue checked on one line: met, not met, or not measured (why)."""

    target: Target
    line: Line
    met: bool | None
    why: str = ""

    def text(self) -> str:
        head = f"{self.line.scenario} ({self.line.label}), {self.target.what}"
        goal = f"goal ≥ {self.target.at_least:g}x"
        if self.met is None:
            return f"{head}: not measured ({self.why}); {goal}"
        assert self.line.ratio is not None
        return f"{head}: {self.line.ratio:.1f}x ({goal}): {'PASS' if self.met else 'FAIL'}"


def verdicts(run: Run) -> list[Verdict]:
    """Every target of the issue on the lines it is about."""
    found = []
    for line in lines(run.rows):
        for target in line.targets:
            value = line.ratio
            if value is None:
                why = (
                    "; ".join(f"{name}: {row.why}" for name, row in line.cells.items() if row.why)
                    or "no figure for one of the systems"
                )
                found.append(Verdict(target, line, None, why))
            else:
                found.append(Verdict(target, line, value >= target.at_least))
    return found


def goal_lines(run: Run) -> list[str]:
    """One line per goal of Tradewind alone: its median, the limit, met or not."""
    found = []
    for row in run.rows:
        scenario = SCENARIOS.get(row.scenario)
        if row.system != OURS or scenario is None or row.timing is None:
            continue
        for goal in scenario.goals:
            if goal.figure != row.figure:
                continue
            median = row.timing.median
            met = median > goal.limit if goal.above else median < goal.limit
            sign = ">" if goal.above else "<"
            found.append(
                f"{row.scenario} ({row.label}), {goal.what}: {value(median, row.unit)} "
                f"(goal {sign} {value(goal.limit, row.unit)}): {'met' if met else 'NOT met'}"
            )
    return found


def fewer_samples(run: Run) -> list[str]:
    """The figures measured fewer times than asked (capped, or a run failed)."""
    found: dict[tuple[str, str, str], str] = {}
    for row in run.rows:
        if row.timing is not None and row.runs < run.repeat:
            reason = "capped: too slow to repeat" if row.runs == row.asked else "a run failed"
            found[(row.system, row.scenario, row.case.label)] = (
                f"{row.system} {row.scenario} ({row.case.label}): {row.runs} of {run.repeat} "
                f"runs ({reason})"
            )
    return list(found.values())


def sanity(run: Run) -> list[str]:
    """Airflow's measured medians next to the figures the issue quotes for it."""
    found = []
    for row in run.rows:
        quoted = QUOTED_AIRFLOW.get((row.scenario, row.case.label, row.figure))
        if row.system != THEIRS or quoted is None:
            continue
        measured = value(row.timing.median, row.unit) if row.timing else f"no figure ({row.why})"
        found.append(
            f"{row.scenario} ({row.label}): measured {measured}, quoted {value(quoted, row.unit)}"
        )
    return found
