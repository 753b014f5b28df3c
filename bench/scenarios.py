"""The benchmark scenarios: what to generate and what to measure, for any system.

A :class:`Scenario` turns a system and a work folder into :class:`Case` objects; the runner
(:mod:`bench.runner`) measures a case on every system in turn and pairs the results by the
case's label, which therefore never names a system.

* Command cases time one command (``dags test``, ``dags list``, ``--version``) from start to
  exit. A case that handles ``units`` tasks or files also gets a per-unit figure:
  (its median - the median of its group's baseline) / units; ``empty`` is the baseline of
  ``dags test``, the empty folder that of ``dags list``.
* Server cases run once per ``--db`` database; each carries a *probe* (:mod:`bench.probes`)
  that starts the system's server, drives it and reads the figures from its database or
  ``/proc``.

The run scenarios (``chain50``, ``fanout200``, ``fanout1000``, ``iris``) have both kinds: mode
``test`` (``dags test``, in process) and mode ``scheduler`` (trigger → success through the
server's scheduler and local executor). ``--mode`` picks one.

A :class:`Goal` is a target for Tradewind alone; a :class:`Target` is a ratio to reach
against Airflow in the same run (Tradewind over Airflow, oriented so that bigger is better
for Tradewind). To add a scenario, register one more :class:`Scenario` in :data:`SCENARIOS`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bench import dags
from bench.measure import Command, Probe
from bench.probes import FloorProbe, IdleMemoryProbe, ReadyProbe, RunProbe
from bench.systems import System

MODES = ("test", "scheduler")


@dataclass(frozen=True)
class Case:
    """One command to time, or one probe to run; ``label`` pairs it across systems."""

    label: str
    command: Command | None = None
    probe: Probe | None = field(default=None, compare=False)
    #: "test" or "scheduler" for the run scenarios; None for the others.
    mode: str | None = None
    #: Tasks or files the command handles: a per-unit figure is derived when set.
    units: int | None = None
    unit: str = "task"
    #: Per-unit figures subtract the median of this group's baseline case.
    group: str | None = None
    baseline: bool = False


@dataclass(frozen=True)
class Goal:
    """A target for Tradewind alone: the median of ``figure`` below ``limit`` (or above)."""

    what: str
    limit: float
    figure: str = "wall"
    above: bool = False


@dataclass(frozen=True)
class Target:
    """A ratio to reach against Airflow, Tradewind over Airflow, bigger = Tradewind better."""

    what: str
    at_least: float
    figure: str


CommandBuilder = Callable[[System, Path], list[Case]]
ServerBuilder = Callable[[System, Path, str], list[Case]]


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    #: (system, work folder) → command cases, measured once.
    commands: CommandBuilder | None = None
    #: (system, work folder, database) → server cases, measured per ``--db`` database.
    servers: ServerBuilder | None = None
    needs: tuple[str, ...] = ()
    goals: tuple[Goal, ...] = ()
    targets: tuple[Target, ...] = ()
    #: Measures the machine, not a system: runs on the first system only.
    shared: bool = False
    #: (system, mode) → most counted runs, for what is too slow to repeat; such cases also
    #: skip their warm-up run.
    caps: Mapping[tuple[str, str | None], int] = field(default_factory=dict)


def _write(folder: Path, name: str, source: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(source)
    return path


def _startup(system: System, folder: Path) -> list[Case]:
    python = system.python()
    module = system.import_module()
    return [
        Case("python -c pass (the floor)", Command([*python, "-c", "pass"])),
        Case("python -c 'import the package'", Command([*python, "-c", f"import {module}"])),
        Case("the CLI's version command", Command(system.version_command())),
    ]


def _empty(system: System, folder: Path) -> list[Case]:
    path = _write(folder, "bench_empty.py", dags.empty_dag("bench_empty", system.dag_header))
    command = system.dags_test(path, "bench_empty")
    return [Case("dags test, empty DAG", command, mode="test", group="dags test", baseline=True)]


@dataclass(frozen=True)
class _Workload:
    """One DAG of a run scenario, the same for both modes."""

    dag_id: str
    label: str
    tasks: int
    shape: str
    make: Callable[[str], str]  # header → source

    def commands(self, system: System, folder: Path) -> list[Case]:
        path = _write(folder, f"{self.dag_id}.py", self.make(system.dag_header))
        command = system.dags_test(path, self.dag_id)
        return [
            Case(
                f"dags test, {self.label}",
                command,
                mode="test",
                units=self.tasks,
                group="dags test",
            )
        ]

    def servers(self, system: System, folder: Path, database: str) -> list[Case]:
        source = self.make(system.dag_header)
        probe = RunProbe(
            system.server, folder, database, self.dag_id, source, self.shape, system.timeout
        )
        return [Case(f"scheduler, {self.label} on {database}", probe=probe, mode="scheduler")]


def _chain(length: int) -> _Workload:
    return _Workload(
        f"bench_chain{length}",
        f"chain of {length}",
        length,
        "chain",
        lambda header: dags.chain_dag(f"bench_chain{length}", header, length),
    )


def _fanout(width: int) -> _Workload:
    return _Workload(
        f"bench_fanout{width}",
        f"1 -> {width} -> 1",
        width + 2,
        "fanout",
        lambda header: dags.fanout_dag(f"bench_fanout{width}", header, width),
    )


_IRIS = _Workload(
    "bench_iris",
    "iris: extract -> train -> evaluate",
    3,
    "chain",  # extract, train, evaluate run one after the other
    lambda header: dags.iris_dag("bench_iris", header),
)

PARSE_FILES = 100
PARSE_TASKS = 20


def _parse(system: System, folder: Path) -> list[Case]:
    files = folder / "parse100"
    for i in range(PARSE_FILES):
        dag_id = f"bench_parse_{i:03d}"
        _write(files, f"{dag_id}.py", dags.chain_dag(dag_id, system.dag_header, PARSE_TASKS))
    empty = folder / "parse_empty"
    empty.mkdir(parents=True, exist_ok=True)
    return [
        Case("dags list, empty folder", system.list_dags(empty), group="dags list", baseline=True),
        Case(
            f"dags list, {PARSE_FILES} files of {PARSE_TASKS} tasks",
            system.list_dags(files),
            units=PARSE_FILES,
            unit="file",
            group="dags list",
        ),
    ]


def _coldstart(system: System, folder: Path, database: str) -> list[Case]:
    return [Case(f"standalone on {database}", probe=ReadyProbe(system.server, folder, database))]


def _idle(system: System, folder: Path, database: str) -> list[Case]:
    probe = IdleMemoryProbe(system.server, folder, database)
    return [Case(f"standalone on {database}", probe=probe)]


def _floor(system: System, folder: Path, database: str) -> list[Case]:
    return [Case(f"on {database}", probe=FloorProbe(folder, database))]


def _run_scenario(
    name: str,
    description: str,
    workload: _Workload,
    *,
    goals: tuple[Goal, ...] = (),
    targets: tuple[Target, ...] = (),
    caps: Mapping[tuple[str, str | None], int] | None = None,
) -> Scenario:
    return Scenario(
        name,
        description,
        commands=workload.commands,
        servers=workload.servers,
        needs=("empty",),
        goals=goals,
        targets=targets,
        caps=caps or {},
    )


_THROUGHPUT_GOAL = Goal("throughput", 150, figure="throughput", above=True)
_THROUGHPUT_TARGET = Target("fan-out throughput through the scheduler", 50, "throughput")

SCENARIOS: dict[str, Scenario] = {
    scenario.name: scenario
    for scenario in [
        Scenario(
            "startup",
            "Start-up floor: a bare interpreter, importing the package, the CLI's version.",
            commands=_startup,
        ),
        Scenario("empty", "`dags test` of a DAG without tasks: the per-task baseline.", _empty),
        _run_scenario(
            "chain50",
            "50 no-op Python tasks in a chain: `dags test`, and through the scheduler.",
            _chain(50),
            goals=(
                Goal("whole command", 1.0),
                Goal("per-task overhead", 0.002, figure="per_unit"),
                Goal("mean task-to-task gap", 0.015, figure="gap"),
            ),
            targets=(
                Target("`dags test` of the chain", 13, "wall"),
                Target("chain hop latency through the scheduler", 60, "gap"),
            ),
            caps={("airflow", "scheduler"): 2},
        ),
        _run_scenario(
            "fanout200",
            "Start, 200 parallel no-op tasks, join: `dags test`, and through the scheduler.",
            _fanout(200),
            goals=(_THROUGHPUT_GOAL,),
            targets=(_THROUGHPUT_TARGET,),
            caps={("airflow", "scheduler"): 2},
        ),
        _run_scenario(
            "fanout1000",
            "Start, 1,000 parallel no-op tasks, join: `dags test`, and through the scheduler.",
            _fanout(1000),
            goals=(_THROUGHPUT_GOAL,),
            targets=(_THROUGHPUT_TARGET,),
            caps={("airflow", "test"): 1, ("airflow", "scheduler"): 1},
        ),
        _run_scenario(
            "iris",
            "extract → train a random forest → evaluate, data through XCom: both modes.",
            _IRIS,
        ),
        Scenario(
            "parse100",
            f"`dags list` of {PARSE_FILES} DAG files of {PARSE_TASKS} tasks: parse them all.",
            commands=_parse,
            targets=(Target("parse 100 DAG files", 5, "wall"),),
        ),
        Scenario(
            "floor",
            "The machine's floor: fork of a warm Python process, one database commit.",
            servers=_floor,
            shared=True,
        ),
        Scenario(
            "coldstart",
            "`standalone` from launch until /api/v2/monitor/health answers: new home, restart.",
            servers=_coldstart,
            goals=(Goal("launch → health", 2.0, figure="ready"),),
            targets=(
                Target("cold start, new home", 5, "ready"),
                Target("cold start, restart", 5, "restart"),
            ),
        ),
        Scenario(
            "idle_rss",
            "Memory of `standalone` and all its processes, started and idle.",
            servers=_idle,
            goals=(Goal("idle memory (RSS)", 200, figure="rss"),),
            targets=(Target("idle memory (PSS)", 5, "pss"),),
        ),
    ]
}


def resolve(names: list[str], modes: tuple[str, ...] = MODES) -> list[Scenario]:
    """The scenarios to run, in registry order, with the ones they need; [] means all.

    The baseline a run scenario needs serves its ``test`` mode only: without that mode it
    is left out (unless named)."""
    unknown = [name for name in names if name not in SCENARIOS]
    if unknown:
        raise KeyError(f"Unknown scenario(s): {', '.join(unknown)}. Known: {', '.join(SCENARIOS)}.")
    wanted = set(names or SCENARIOS)
    if "test" in modes:
        for name in list(wanted):
            wanted.update(SCENARIOS[name].needs)
    return [scenario for name, scenario in SCENARIOS.items() if name in wanted]
