"""The benchmark scenarios: what to generate and which commands to time, for any system.

A :class:`Scenario` turns a system and a work folder into :class:`Case` objects, each one
command to time. Cases of ``dags test`` say how many tasks their DAG has, so the report can
show the overhead per task: (wall time - wall time of the empty DAG) / tasks. A scenario that
needs that baseline lists ``empty`` in :attr:`Scenario.needs`, and the runner measures it too.

Server scenarios (``sched_*``, ``standalone_ready``, ``idle_rss``, ``floor``) run once per
database given with ``--db`` (:attr:`Scenario.per_database`): their cases carry a *probe*
(:mod:`bench.probes`) that starts the system's server, drives runs through it and reads the
figures from the database or ``/proc``, instead of timing one command.

To add a scenario (say ``chain1000``), register one more :class:`Scenario` in
:data:`SCENARIOS`; the DAG generators in :mod:`bench.dags` take the size as an argument.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bench import dags
from bench.measure import Probe
from bench.probes import FloorProbe, IdleRssProbe, ReadyProbe, RunProbe
from bench.systems import System


@dataclass(frozen=True)
class Case:
    """One command to time, or one probe to run (then ``argv`` is empty)."""

    label: str
    argv: list[str] = field(default_factory=list)
    #: Tasks in the DAG the command runs; None for commands that run no DAG.
    tasks: int | None = None
    #: This case is the ``dags test`` baseline that per-task overheads subtract.
    baseline: bool = False
    #: Measures the case instead of timing ``argv``: one row per figure it reports.
    probe: Probe | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Goal:
    """A target from the issue: the median must stay below ``limit`` (or above it).

    ``figure`` names the probe figure it is about (None: the command's wall time).
    """

    what: str
    limit: float
    per_task: bool = False
    figure: str | None = None
    above: bool = False


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    #: (system, work folder, database or None) → the cases to measure.
    build: Callable[[System, Path, str | None], list[Case]]
    needs: tuple[str, ...] = ()
    goals: tuple[Goal, ...] = field(default_factory=tuple)
    #: Runs once per ``--db`` database (server scenarios); else once.
    per_database: bool = False


def _write(folder: Path, name: str, source: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(source)
    return path


def _startup(system: System, folder: Path, database: str | None) -> list[Case]:
    python = system.python()
    return [
        Case("python -c pass (the floor)", [*python, "-c", "pass"]),
        Case(
            f'python -c "import {system.import_module()}"',
            [*python, "-c", f"import {system.import_module()}"],
        ),
        Case(f"{system.name} --version", system.cli("--version")),
    ]


def _empty(system: System, folder: Path, database: str | None) -> list[Case]:
    path = _write(folder, "bench_empty.py", dags.empty_dag("bench_empty", system.dag_header))
    return [Case("dags test, empty DAG", system.dags_test(path, "bench_empty"), 0, True)]


def _chain(length: int) -> Callable[[System, Path, str | None], list[Case]]:
    def build(system: System, folder: Path, database: str | None) -> list[Case]:
        dag_id = f"bench_chain{length}"
        source = dags.chain_dag(dag_id, system.dag_header, length)
        path = _write(folder, f"{dag_id}.py", source)
        return [Case(f"dags test, chain of {length}", system.dags_test(path, dag_id), length)]

    return build


def _fanout(width: int) -> Callable[[System, Path, str | None], list[Case]]:
    def build(system: System, folder: Path, database: str | None) -> list[Case]:
        dag_id = f"bench_fanout{width}"
        source = dags.fanout_dag(dag_id, system.dag_header, width)
        path = _write(folder, f"{dag_id}.py", source)
        label = f"dags test, 1 -> {width} -> 1"
        return [Case(label, system.dags_test(path, dag_id), width + 2)]

    return build


def _scheduled(shape: str, size: int) -> Callable[[System, Path, str | None], list[Case]]:
    """A run of a chain or fan-out through the system's server, trigger to success."""

    def build(system: System, folder: Path, database: str | None) -> list[Case]:
        assert database is not None
        dag_id = f"bench_sched_{shape}{size}"
        if shape == "chain":
            source, tasks = dags.chain_dag(dag_id, system.dag_header, size), size
            label = f"chain of {size}"
        else:
            source, tasks = dags.fanout_dag(dag_id, system.dag_header, size), size + 2
            label = f"1 -> {size} -> 1"
        probe = RunProbe(system.server, folder, database, dag_id, source, shape)
        return [Case(f"{label} on {database}", tasks=tasks, probe=probe)]

    return build


def _ready(system: System, folder: Path, database: str | None) -> list[Case]:
    assert database is not None
    return [Case(f"standalone on {database}", probe=ReadyProbe(system.server, folder, database))]


def _idle(system: System, folder: Path, database: str | None) -> list[Case]:
    assert database is not None
    probe = IdleRssProbe(system.server, folder, database)
    return [Case(f"standalone on {database}", probe=probe)]


def _floor(system: System, folder: Path, database: str | None) -> list[Case]:
    assert database is not None
    return [Case(f"on {database}", probe=FloorProbe(folder, database))]


SCENARIOS: dict[str, Scenario] = {
    scenario.name: scenario
    for scenario in [
        Scenario(
            "startup",
            "Start-up floor: a bare interpreter, importing the package, `--version`.",
            _startup,
        ),
        Scenario("empty", "`dags test` of a DAG without tasks: the per-task baseline.", _empty),
        Scenario(
            "chain50",
            "`dags test` of 50 no-op Python tasks in a chain.",
            _chain(50),
            needs=("empty",),
            goals=(
                Goal("whole command", 1.0),
                Goal("per-task overhead", 0.002, per_task=True),
            ),
        ),
        Scenario(
            "fanout200",
            "`dags test` of one start task, 200 parallel no-op tasks, one join.",
            _fanout(200),
            needs=("empty",),
        ),
        Scenario(
            "floor",
            "The machine's floor: fork of a warm Python process, one database commit.",
            _floor,
            per_database=True,
        ),
        Scenario(
            "sched_chain50",
            "50 chained no-op tasks through `standalone` (scheduler, local executor).",
            _scheduled("chain", 50),
            goals=(Goal("mean task-to-task gap", 0.015, figure="gap"),),
            per_database=True,
        ),
        Scenario(
            "sched_fanout200",
            "Start, 200 parallel no-op tasks, join, through `standalone`.",
            _scheduled("fanout", 200),
            goals=(Goal("throughput", 150, figure="throughput", above=True),),
            per_database=True,
        ),
        Scenario(
            "sched_fanout1000",
            "Start, 1,000 parallel no-op tasks, join, through `standalone`.",
            _scheduled("fanout", 1000),
            goals=(Goal("throughput", 150, figure="throughput", above=True),),
            per_database=True,
        ),
        Scenario(
            "standalone_ready",
            "`tradewind standalone` from launch to its Ready line, in a new home.",
            _ready,
            goals=(Goal("launch → ready", 2.0, figure="ready"),),
            per_database=True,
        ),
        Scenario(
            "idle_rss",
            "Resident memory of `standalone` and all its processes, started and idle.",
            _idle,
            goals=(Goal("idle memory", 200, figure="rss"),),
            per_database=True,
        ),
    ]
}


def resolve(names: list[str]) -> list[Scenario]:
    """The scenarios to run, in registry order, with the ones they need; [] means all."""
    unknown = [name for name in names if name not in SCENARIOS]
    if unknown:
        raise KeyError(f"Unknown scenario(s): {', '.join(unknown)}. Known: {', '.join(SCENARIOS)}.")
    wanted = set(names or SCENARIOS)
    for name in list(wanted):
        wanted.update(SCENARIOS[name].needs)
    return [scenario for name, scenario in SCENARIOS.items() if name in wanted]
