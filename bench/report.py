"""The results of a benchmark run: a plain-text table for the terminal and a Markdown page.

Both show one line per measurement with every system side by side, and Tradewind's ratio
over Airflow (see :mod:`bench.compare`); a system that has no figure says why.
"""

from __future__ import annotations

import json
import os
import platform
from datetime import datetime
from pathlib import Path

from bench.compare import THEIRS, Line, fewer_samples, goal_lines, lines, sanity, verdicts
from bench.formatting import ms, times, value
from bench.measure import Timing
from bench.results import Row, Run
from bench.scenarios import Case

__all__ = [
    "markdown",
    "ms",
    "read_json",
    "table",
    "text_table",
    "value",
    "write_json",
    "write_markdown",
]

REPRODUCE = "python -m bench run --db sqlite --db postgres"


def _system_cells(row: Row | None, repeat: int) -> list[str]:
    if row is None:
        return ["", "", ""]
    if row.timing is None:
        return [f"— {row.why or 'no figure'}", "", ""]
    t = row.timing
    runs = str(row.runs) if row.runs >= repeat else f"{row.runs} of {repeat}"
    return [
        value(t.median, row.unit),
        f"{value(t.low, row.unit)} - {value(t.high, row.unit)}",
        runs,
    ]


def _ratio_cell(line: Line) -> str:
    found = line.ratio
    if found is None:
        return ""
    cell = times(found)
    for target in line.targets:
        met = found >= target.at_least
        cell += f" (goal ≥ {target.at_least:g}x: {'PASS' if met else 'FAIL'})"
    return cell


def table(run: Run) -> list[list[str]]:
    """The header and one row of cells per measurement."""
    header = ["scenario", "measurement"]
    for title in run.systems.values():
        header += [title, "min - max", "runs"]
    if THEIRS in run.systems and len(run.systems) > 1:
        header.append("Tradewind better by")
    rows = [header]
    for line in lines(run.rows):
        cells = [line.scenario, line.label]
        for name in run.systems:
            cells += _system_cells(line.cells.get(name), run.repeat)
        if len(header) > len(cells):
            cells.append(_ratio_cell(line))
        rows.append(cells)
    return rows


def _right_aligned(header: list[str]) -> set[int]:
    return {i for i, name in enumerate(header) if i >= 2 and name != "Tradewind better by"}


def text_table(run: Run) -> str:
    rows = table(run)
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    right = _right_aligned(rows[0])

    def line(cells: list[str]) -> str:
        return "  ".join(
            cell.rjust(width) if i in right and not cell.startswith("—") else cell.ljust(width)
            for i, (cell, width) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    out = [line(rows[0]), line(["-" * w for w in widths])]
    out += [line(r) for r in rows[1:]]
    for title, notes in _notes(run):
        out += ["", f"{title}:", *(f"  {note}" for note in notes)]
    return "\n".join(out)


def _notes(run: Run) -> list[tuple[str, list[str]]]:
    sections = [
        (
            "Goals against Airflow, same run (Tradewind over Airflow, bigger = Tradewind better)",
            [verdict.text() for verdict in verdicts(run)],
        ),
        ("Tradewind's own goals", goal_lines(run)),
        ("Fewer samples than asked", fewer_samples(run)),
        ("Sanity check of the harness: Airflow measured here vs quoted in the issue", sanity(run)),
    ]
    return [(title, notes) for title, notes in sections if notes]


def _machine() -> str:
    return (
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}"
    )


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def markdown(run: Run, chart: str | None = None) -> str:
    versions = ", ".join(
        f"{run.systems.get(name, name)} {version}" for name, version in run.versions.items()
    )
    minutes = (run.finished - run.started).total_seconds() / 60
    titles = " and ".join(run.systems.values())
    out = [
        f"# Benchmark results: {titles}" + (", side by side" if len(run.systems) > 1 else ""),
        "",
        f"Run {run.started:%Y-%m-%d %H:%M} UTC ({minutes:.0f} min) on {_machine()}; {versions}. "
        f"Load average {run.load:.2f} at the start and {run.load_end:.2f} at the end: the "
        "machine is shared with other work, which slows every figure a little.",
        "",
        f"The systems ran in turn (A B A B …). Commands: {run.repeat} counted runs after "
        f"{run.warmup} warm-up run(s), whole-command wall time; per task or file = (median - "
        "median of the baseline) / count. Server scenarios: every run on a fresh `standalone` "
        "(new home, new database, a free port), figures read from its database or /proc; "
        "Airflow on SQLite with the LocalExecutor. *Tradewind better by* is Airflow's median "
        "over Tradewind's for times and memory, Tradewind's over Airflow's for throughput: "
        "bigger means Tradewind is better. What each figure means: docs/performance.md.",
        "",
    ]
    if chart:
        out += [f"![Tradewind over Airflow, per measurement]({chart})", ""]
    rows = table(run)
    right = _right_aligned(rows[0])
    out.append("| " + " | ".join(rows[0]) + " |")
    out.append(
        "| " + " | ".join("---:" if i in right else "---" for i in range(len(rows[0]))) + " |"
    )
    out += ["| " + " | ".join(_cell(c) for c in cells) + " |" for cells in rows[1:]]
    for title, notes in _notes(run):
        out += ["", f"## {title}", "", *(f"- {note}" for note in notes)]
    out += ["", f"Reproduce with `{REPRODUCE}` (see docs/performance.md)."]
    return "\n".join(out) + "\n"


def _replace(path: Path, text: str) -> None:
    """Write through a ``*.tmp`` file, so a reader never sees half of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".tmp")
    partial.write_text(text)
    partial.replace(path)


def write_markdown(run: Run, path: Path, chart: Path | None = None) -> None:
    _replace(path, markdown(run, chart.name if chart else None))


def write_json(run: Run, path: Path) -> None:
    """Every counted value and what it is: ``python -m bench report`` redraws from it."""
    data = {
        "started": run.started.isoformat(),
        "finished": run.finished.isoformat(),
        "load": [run.load, run.load_end],
        "repeat": run.repeat,
        "warmup": run.warmup,
        "systems": run.systems,
        "versions": run.versions,
        "rows": [
            {
                "system": row.system,
                "scenario": row.scenario,
                "case": row.case.label,
                "mode": row.case.mode,
                "units": row.case.units,
                "unit_name": row.case.unit,
                "group": row.case.group,
                "baseline": row.case.baseline,
                "figure": row.figure,
                "what": row.what,
                "unit": row.unit,
                "values": list(row.timing.seconds) if row.timing else [],
                "why": row.why,
                "asked": row.asked,
                "runnable": row.runnable,
            }
            for row in run.rows
        ],
    }
    _replace(path, json.dumps(data, indent=1, ensure_ascii=False) + "\n")


def read_json(path: Path) -> Run:
    """The run :func:`write_json` wrote."""
    data = json.loads(path.read_text())
    rows = [
        Row(
            system=item["system"],
            scenario=item["scenario"],
            case=Case(
                item["case"],
                mode=item["mode"],
                units=item["units"],
                unit=item["unit_name"],
                group=item["group"],
                baseline=item["baseline"],
            ),
            figure=item["figure"],
            what=item["what"],
            unit=item["unit"],
            timing=Timing(tuple(item["values"])) if item["values"] else None,
            why=item["why"],
            asked=item["asked"],
            runnable=item["runnable"],
        )
        for item in data["rows"]
    ]
    return Run(
        rows=rows,
        systems=data["systems"],
        repeat=data["repeat"],
        warmup=data["warmup"],
        versions=data["versions"],
        started=datetime.fromisoformat(data["started"]),
        finished=datetime.fromisoformat(data["finished"]),
        load=data["load"][0],
        load_end=data["load"][1],
    )
