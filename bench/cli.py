"""``python -m bench run [SCENARIO ...] [--repeat N]`` and ``python -m bench list``."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

from bench.databases import DATABASES
from bench.measure import CommandFailed, run_probe, time_command
from bench.report import Row, Run, text_table, with_per_task, write_markdown
from bench.scenarios import SCENARIOS, Case, resolve
from bench.servers import ServerFailed
from bench.systems import SYSTEMS

DEFAULT_OUTPUT = Path(__file__).resolve().parent / "results" / "latest.md"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="time scenarios and write a Markdown report")
    run.add_argument(
        "scenarios", nargs="*", metavar="SCENARIO", help="scenarios to run (default: all)"
    )
    run.add_argument("--repeat", type=int, default=5, help="counted runs per command (5)")
    run.add_argument("--warmup", type=int, default=1, help="uncounted runs first (1)")
    run.add_argument(
        "--system",
        action="append",
        choices=sorted(SYSTEMS),
        help="system(s) to measure (default: all registered; today only tradewind)",
    )
    run.add_argument(
        "--db",
        action="append",
        choices=DATABASES,
        help="database(s) of the server scenarios (default: sqlite; repeat for both)",
    )
    run.add_argument(
        "--output",
        type=Path,
        default=DEFAULT_OUTPUT,
        help="Markdown report path (default: bench/results/latest.md)",
    )
    commands.add_parser("list", help="list the scenarios")
    return parser


def _list() -> int:
    width = max(map(len, SCENARIOS))
    for scenario in SCENARIOS.values():
        needs = f" (also runs: {', '.join(scenario.needs)})" if scenario.needs else ""
        needs += " [per --db]" if scenario.per_database else ""
        print(f"{scenario.name.ljust(width)}  {scenario.description}{needs}")
    return 0


def _run(args: argparse.Namespace) -> int:
    try:
        scenarios = resolve(args.scenarios)
    except KeyError as error:
        print(f"error: {error.args[0]}", file=sys.stderr)
        return 2
    if args.repeat < 1 or args.warmup < 0:
        print("error: --repeat must be at least 1 and --warmup at least 0", file=sys.stderr)
        return 2
    systems = [SYSTEMS[name] for name in args.system or SYSTEMS]
    databases = list(dict.fromkeys(args.db or ["sqlite"]))
    started, load = datetime.now(UTC), os.getloadavg()[0]
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="tradewind-bench-") as tmp:
        work = Path(tmp)
        for system in systems:
            home = work / system.name / "home"
            home.mkdir(parents=True)
            folder = work / system.name / "dags"
            folder.mkdir(parents=True)
            env = system.env(home)
            for scenario in scenarios:
                for database in databases if scenario.per_database else [None]:
                    for case in scenario.build(system, folder, database):
                        print(f"{system.name} {scenario.name}: {case.label} ...", file=sys.stderr)
                        try:
                            rows += _measure(system.name, scenario.name, case, env, work, args)
                        except (CommandFailed, ServerFailed) as error:
                            print(f"error: {error}", file=sys.stderr)
                            return 1
        run = Run(
            rows=with_per_task(rows),
            repeat=args.repeat,
            warmup=args.warmup,
            versions={system.name: system.version() for system in systems},
            started=started,
            load=load,
        )
    print(text_table(run))
    write_markdown(run, args.output)
    print(f"\nWrote {args.output}")
    return 0


def _measure(
    system: str,
    scenario: str,
    case: Case,
    env: Mapping[str, str],
    work: Path,
    args: argparse.Namespace,
) -> list[Row]:
    """The rows of one case: its command's wall time, or one row per figure of its probe."""
    if case.probe is None:
        timing = time_command(case.argv, env=env, cwd=work, repeat=args.repeat, warmup=args.warmup)
        return [Row(system, scenario, case, timing)]
    timings = run_probe(case.probe, repeat=args.repeat, warmup=args.warmup)
    return [
        Row(system, scenario, case, timings[key], figure=key, what=figure.label, unit=figure.unit)
        for key, figure in case.probe.figures.items()
    ]


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "list":
        return _list()
    return _run(args)
