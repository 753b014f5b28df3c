"""The benchmark scenarios: what to generate and which commands to time, for any system.

A :class:`Scenario` turns a system and a work folder into :class:`Case` objects, each one
command to time. Cases of ``dags test`` say how many tasks their DAG has, so the report can
show the overhead per task: (wall time - wall time of the empty DAG) / tasks. A scenario that
needs that baseline lists ``empty`` in :attr:`Scenario.needs`, and the runner measures it too.

To add a scenario (say ``chain1000``), register one more :class:`Scenario` in
:data:`SCENARIOS`; the DAG generators in :mod:`bench.dags` take the size as an argument.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bench import dags
from bench.systems import System


@dataclass(frozen=True)
class Case:
    """One command to time."""

    label: str
    argv: list[str]
    #: Tasks in the DAG the command runs; None for commands that run no DAG.
    tasks: int | None = None
    #: This case is the ``dags test`` baseline that per-task overheads subtract.
    baseline: bool = False


@dataclass(frozen=True)
class Goal:
    """A target from the issue: the median must stay below ``limit`` (seconds)."""

    what: str
    limit: float
    per_task: bool = False


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    build: Callable[[System, Path], list[Case]]
    needs: tuple[str, ...] = ()
    goals: tuple[Goal, ...] = field(default_factory=tuple)


def _write(folder: Path, name: str, source: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(source)
    return path


def _startup(system: System, folder: Path) -> list[Case]:
    python = system.python()
    return [
        Case("python -c pass (the floor)", [*python, "-c", "pass"]),
        Case(
            f'python -c "import {system.import_module()}"',
            [*python, "-c", f"import {system.import_module()}"],
        ),
        Case(f"{system.name} --version", system.cli("--version")),
    ]


def _empty(system: System, folder: Path) -> list[Case]:
    path = _write(folder, "bench_empty.py", dags.empty_dag("bench_empty", system.dag_header))
    return [Case("dags test, empty DAG", system.dags_test(path, "bench_empty"), 0, True)]


def _chain(length: int) -> Callable[[System, Path], list[Case]]:
    def build(system: System, folder: Path) -> list[Case]:
        dag_id = f"bench_chain{length}"
        source = dags.chain_dag(dag_id, system.dag_header, length)
        path = _write(folder, f"{dag_id}.py", source)
        return [Case(f"dags test, chain of {length}", system.dags_test(path, dag_id), length)]

    return build


def _fanout(width: int) -> Callable[[System, Path], list[Case]]:
    def build(system: System, folder: Path) -> list[Case]:
        dag_id = f"bench_fanout{width}"
        source = dags.fanout_dag(dag_id, system.dag_header, width)
        path = _write(folder, f"{dag_id}.py", source)
        label = f"dags test, 1 -> {width} -> 1"
        return [Case(label, system.dags_test(path, dag_id), width + 2)]

    return build


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
