"""``python -m bench run [SCENARIO ...] [--systems tradewind,airflow] [--repeat N]`` and
``python -m bench list``.

``run`` measures the scenarios on every system, in turn, prints the table, the ratios and
the goals, and writes ``bench/results/latest.md`` (with ``latest.png`` and ``latest.json``
beside it). The default systems are those available here: Tradewind, and Apache Airflow once
``bench/setup_airflow.sh`` has made its virtualenv.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from bench.chart import write_chart
from bench.databases import DATABASES
from bench.report import read_json, text_table, write_json, write_markdown
from bench.results import Row, Run, with_per_unit
from bench.runner import measure, plan
from bench.scenarios import MODES, SCENARIOS, resolve
from bench.systems import SYSTEMS, System, available_systems, compile_tradewind

DEFAULT_OUTPUT = Path(__file__).resolve().parent / "results" / "latest.md"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="measure scenarios and write a Markdown report")
    run.add_argument(
        "scenarios", nargs="*", metavar="SCENARIO", help="scenarios to run (default: all)"
    )
    run.add_argument(
        "--systems",
        help=f"comma-separated systems to measure, of {', '.join(SYSTEMS)} "
        "(default: those available here)",
    )
    run.add_argument("--repeat", type=int, default=3, help="counted runs per measurement (3)")
    run.add_argument("--warmup", type=int, default=1, help="uncounted runs of commands first (1)")
    run.add_argument(
        "--mode",
        action="append",
        choices=MODES,
        help="mode(s) of the run scenarios: `dags test` in process, or through the scheduler "
        "(default: both)",
    )
    run.add_argument(
        "--db",
        action="append",
        choices=DATABASES,
        help="database(s) of the server scenarios (default: sqlite; repeat for both); "
        "Airflow runs on SQLite only",
    )
    run.add_argument(
        "--timeout",
        type=float,
        help="seconds one run may take on any system before it counts as failed "
        "(default: 300 for Tradewind, 600 for Airflow)",
    )
    run.add_argument(
        "--output",
        type=Path,
        default=DEFAULT_OUTPUT,
        help="Markdown report path; the chart (.png) and the values (.json) go beside it "
        "(default: bench/results/latest.md)",
    )
    commands.add_parser("list", help="list the scenarios")
    report = commands.add_parser(
        "report", help="redraw the table, the report and the chart from a run's values"
    )
    report.add_argument(
        "values",
        type=Path,
        nargs="?",
        default=DEFAULT_OUTPUT.with_suffix(".json"),
        help="the .json a run wrote (default: bench/results/latest.json); the .md and .png "
        "beside it are rewritten",
    )
    return parser


def _list() -> int:
    width = max(map(len, SCENARIOS))
    for scenario in SCENARIOS.values():
        needs = f" (also runs: {', '.join(scenario.needs)})" if scenario.needs else ""
        needs += " [per --db]" if scenario.servers is not None else ""
        print(f"{scenario.name.ljust(width)}  {scenario.description}{needs}")
    return 0


def choose_systems(spec: str | None) -> list[System]:
    """The systems ``--systems`` names, or those available; ValueError says what to do."""
    if spec is None:
        names = available_systems()
        missing = [name for name in SYSTEMS if name not in names]
        note = f" ({', '.join(missing)} not installed)" if missing else ""
        print(f"systems: {', '.join(names)}{note}", file=sys.stderr)
    else:
        names = [name.strip() for name in spec.split(",") if name.strip()]
        unknown = [name for name in names if name not in SYSTEMS]
        if unknown or not names:
            raise ValueError(
                f"unknown system(s) {', '.join(unknown) or '(none)'}; known: {', '.join(SYSTEMS)}"
            )
    for name in names:
        why = SYSTEMS[name].missing()
        if why is not None:
            raise ValueError(why)
    return [SYSTEMS[name] for name in dict.fromkeys(names)]


def _run(args: argparse.Namespace) -> int:
    modes = tuple(dict.fromkeys(args.mode or MODES))
    try:
        scenarios = resolve(args.scenarios, modes)
        systems = choose_systems(args.systems)
    except (KeyError, ValueError) as error:
        print(f"error: {error.args[0]}", file=sys.stderr)
        return 2
    if args.repeat < 1 or args.warmup < 0:
        print("error: --repeat must be at least 1 and --warmup at least 0", file=sys.stderr)
        return 2
    if args.timeout is not None:
        systems = [system.with_timeout(args.timeout) for system in systems]
    databases = list(dict.fromkeys(args.db or ["sqlite"]))
    if any(system.name == "tradewind" for system in systems):
        compile_tradewind()
    started, load = datetime.now(UTC), os.getloadavg()[0]
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="tradewind-bench-") as tmp:
        work = Path(tmp)
        for slot in plan(scenarios, systems, databases, modes, work):
            rows += measure(slot, repeat=args.repeat, warmup=args.warmup, work=work)
    run = Run(
        rows=with_per_unit(rows),
        systems={system.name: system.title for system in systems},
        repeat=args.repeat,
        warmup=args.warmup,
        versions={system.name: system.version() for system in systems},
        started=started,
        finished=datetime.now(UTC),
        load=load,
        load_end=os.getloadavg()[0],
    )
    write_json(run, args.output.with_suffix(".json"))
    _publish(run, args.output)
    # Airflow's failures are results (the table says why); Tradewind's are bugs to look at.
    ours = [
        row for row in rows if row.system == "tradewind" and (row.why or "").startswith("failed")
    ]
    return 1 if ours else 0


def _publish(run: Run, output: Path) -> None:
    """Print the table; write the Markdown report and the chart beside it."""
    print(text_table(run))
    chart = output.with_suffix(".png")
    drawn = write_chart(run, chart)
    write_markdown(run, output, chart if drawn else None)
    print(f"\nWrote {output}" + (f" and {chart.name}" if drawn else ""))


def _report(values: Path) -> int:
    try:
        run = read_json(values)
    except (OSError, ValueError, KeyError) as error:
        print(f"error: cannot read the run's values from {values}: {error}", file=sys.stderr)
        return 2
    _publish(run, values.with_suffix(".md"))
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "list":
        return _list()
    if args.command == "report":
        return _report(args.values)
    return _run(args)
