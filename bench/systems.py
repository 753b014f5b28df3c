"""Systems under test: how one orchestrator spells DAG imports and the commands to time.

Two systems are registered in :data:`SYSTEMS`: Tradewind (from the interpreter running the
harness) and Apache Airflow (from its own virtualenv, ``bench/.airflow-venv``, made by
``bench/setup_airflow.sh``). A scenario asks a system for its commands and its server and
measures both the same way.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

from bench.airflow_server import AirflowStandalone, airflow_env
from bench.measure import Command
from bench.servers import Server, TradewindStandalone

#: Where ``bench/setup_airflow.sh`` installs Airflow (both honour the same variable).
AIRFLOW_VENV_ENV = "TRADEWIND_BENCH_AIRFLOW_VENV"
AIRFLOW_VENV = Path(
    os.environ.get(AIRFLOW_VENV_ENV) or Path(__file__).resolve().parent / ".airflow-venv"
)
SETUP_AIRFLOW = "bench/setup_airflow.sh"


class System(Protocol):
    """What a scenario needs to know about the orchestrator it measures."""

    @property
    def name(self) -> str:
        """Short name, used on the command line and in reports."""
        ...

    @property
    def title(self) -> str:
        """Name in reports and charts."""
        ...

    @property
    def dag_header(self) -> str:
        """Import lines of a generated DAG file: they provide ``DAG``, ``task``,
        ``PythonOperator``."""
        ...

    @property
    def timeout(self) -> float:
        """Seconds one measured run may take before it counts as failed (``--timeout``)."""
        ...

    def with_timeout(self, seconds: float) -> System:
        """The same system with another time limit per run."""
        ...

    def missing(self) -> str | None:
        """Why the system cannot run here (one line saying what to do), or None."""
        ...

    def version(self) -> str:
        """The version under test, for the report."""
        ...

    def python(self) -> list[str]:
        """The interpreter the system runs on (for the ``python -c pass`` floor)."""
        ...

    def import_module(self) -> str:
        """The package a user's DAG file imports first."""
        ...

    def version_command(self) -> list[str]:
        """The system's cheapest CLI command: it shows the CLI's start-up cost."""
        ...

    def env(self, home: Path) -> Mapping[str, str]:
        """Environment of every timed command; ``home`` is a private, empty work folder."""
        ...

    def prepare(self, home: Path) -> None:
        """Make ``home`` ready for the timed commands (not timed)."""
        ...

    def dags_test(self, dag_file: Path, dag_id: str) -> Command:
        """The command that runs ``dag_id`` from ``dag_file`` once, in process."""
        ...

    def list_dags(self, folder: Path) -> Command:
        """The command that parses every DAG file of ``folder`` and lists the DAGs."""
        ...

    def cannot_use(self, database: str) -> str | None:
        """Why the system's server cannot run on ``database`` here, or None."""
        ...

    def server(self, home: Path, database_url: str) -> Server:
        """The system's one-machine server in ``home``, on ``database_url`` ("": SQLite):
        no example DAGs, the DAGs written to its folder not paused."""
        ...


def compile_tradewind() -> None:
    """Write Tradewind's bytecode, as ``pip install`` does for a package it installs (and did
    for Airflow's): an editable install run with ``PYTHONDONTWRITEBYTECODE=1`` would otherwise
    compile every module again at each start, which no installed copy does."""
    import compileall

    import tradewind

    compileall.compile_dir(str(Path(tradewind.__file__).parent), quiet=1)


@dataclass(frozen=True)
class TradewindSystem:
    """Tradewind, from the virtualenv of the interpreter running the harness."""

    name: str = "tradewind"
    title: str = "Tradewind"
    dag_header: str = (
        "from tradewind import DAG, task\nfrom tradewind.operators.python import PythonOperator\n"
    )
    timeout: float = 300.0

    def executable(self) -> str:
        beside = Path(sys.executable).with_name("tradewind")
        if beside.exists():
            return str(beside)
        found = shutil.which("tradewind")
        if found is None:
            raise RuntimeError(
                "The `tradewind` command is not installed next to this Python or on PATH; "
                "run `pip install -e .` (or `make run`) first."
            )
        return found

    def with_timeout(self, seconds: float) -> System:
        return replace(self, timeout=seconds)

    def missing(self) -> str | None:
        try:
            self.executable()
        except RuntimeError as error:
            return str(error)
        return None

    def version(self) -> str:
        result = subprocess.run(
            [self.executable(), "--version"], capture_output=True, text=True, check=True
        )
        return result.stdout.strip().rsplit(" ", 1)[-1]

    def python(self) -> list[str]:
        return [sys.executable]

    def import_module(self) -> str:
        return "tradewind"

    def version_command(self) -> list[str]:
        return [self.executable(), "--version"]

    def env(self, home: Path) -> Mapping[str, str]:
        return {**os.environ, "TRADEWIND_HOME": str(home)}

    def prepare(self, home: Path) -> None:
        return None  # `dags test` and `dags list PATH` need no database

    def dags_test(self, dag_file: Path, dag_id: str) -> Command:
        return Command([self.executable(), "dags", "test", str(dag_file), dag_id])

    def list_dags(self, folder: Path) -> Command:
        return Command([self.executable(), "dags", "list", str(folder), "-o", "json"])

    def cannot_use(self, database: str) -> str | None:
        return None

    def server(self, home: Path, database_url: str) -> Server:
        return TradewindStandalone(self.executable(), home, database_url=database_url)


@dataclass(frozen=True)
class AirflowSystem:
    """Apache Airflow 3 from ``venv``, on SQLite with the LocalExecutor."""

    name: str = "airflow"
    title: str = "Apache Airflow"
    dag_header: str = (
        "from airflow.sdk import DAG, task\n"
        "from airflow.providers.standard.operators.python import PythonOperator\n"
    )
    timeout: float = 600.0
    venv: Path = AIRFLOW_VENV

    def executable(self) -> str:
        return str(self.venv / "bin" / "airflow")

    def with_timeout(self, seconds: float) -> System:
        return replace(self, timeout=seconds)

    def missing(self) -> str | None:
        if Path(self.executable()).exists():
            return None
        return (
            f"Apache Airflow is not installed in {self.venv}: run `{SETUP_AIRFLOW}` first "
            "(it takes a few minutes)."
        )

    def version(self) -> str:
        with tempfile.TemporaryDirectory(prefix="airflow-version-") as home:
            result = subprocess.run(
                [self.executable(), "version"],
                env=airflow_env(os.environ, Path(home), self.venv),
                capture_output=True,
                text=True,
                check=True,
            )
        return result.stdout.strip().splitlines()[-1]

    def python(self) -> list[str]:
        return [str(self.venv / "bin" / "python")]

    def import_module(self) -> str:
        return "airflow"

    def version_command(self) -> list[str]:
        return [self.executable(), "version"]

    def env(self, home: Path) -> Mapping[str, str]:
        return airflow_env(os.environ, home, self.venv)

    def prepare(self, home: Path) -> None:
        # `airflow dags test` records its run in the metadata database: make it first.
        (home / "dags").mkdir(parents=True, exist_ok=True)
        result = subprocess.run(
            [self.executable(), "db", "migrate"],
            env=dict(self.env(home)),
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            tail = (result.stdout + result.stderr)[-2000:]
            raise RuntimeError(f"`airflow db migrate` failed in {home}:\n{tail}")

    def dags_test(self, dag_file: Path, dag_id: str) -> Command:
        # The file must lie in the DAG folder (Airflow's DAG bundle), so that is its folder.
        return Command(
            [self.executable(), "dags", "test", dag_id, "--dagfile-path", str(dag_file)],
            env={"AIRFLOW__CORE__DAGS_FOLDER": str(dag_file.parent)},
        )

    def list_dags(self, folder: Path) -> Command:
        # --local: parse the files (as `tradewind dags list PATH` does), not read the database.
        return Command(
            [self.executable(), "dags", "list", "--local", "-o", "json"],
            env={"AIRFLOW__CORE__DAGS_FOLDER": str(folder)},
        )

    def cannot_use(self, database: str) -> str | None:
        if database == "sqlite":
            return None
        return f"Airflow runs on SQLite only in this harness ({database} not set up for it)"

    def server(self, home: Path, database_url: str) -> Server:
        assert not database_url, self.cannot_use("postgres")
        return AirflowStandalone(self.venv, home, os.environ)


SYSTEMS: dict[str, System] = {"tradewind": TradewindSystem(), "airflow": AirflowSystem()}


def available_systems() -> list[str]:
    """The systems that can run here: Tradewind, and Airflow once its venv exists."""
    return [name for name, system in SYSTEMS.items() if system.missing() is None]


#: Apache Airflow 3.3.2's figures "on this kind of machine" as the issue quotes them: a
#: sanity check of the harness, no longer a comparison. By (scenario, case label, figure).
QUOTED_AIRFLOW: dict[tuple[str, str, str], float] = {
    ("chain50", "dags test, chain of 50", "wall"): 13.0,
    ("fanout200", "dags test, 1 -> 200 -> 1", "wall"): 21.0,
    ("chain50", "scheduler, chain of 50 on sqlite", "total"): 56.0,
    ("chain50", "scheduler, chain of 50 on sqlite", "gap"): 0.9,
    ("fanout200", "scheduler, 1 -> 200 -> 1 on sqlite", "total"): 73.0,
    ("fanout200", "scheduler, 1 -> 200 -> 1 on sqlite", "throughput"): 2.8,
    ("parse100", "dags list, 100 files of 20 tasks", "wall"): 7.0,
    ("coldstart", "standalone on sqlite", "ready"): 7.0,
    ("idle_rss", "standalone on sqlite", "rss"): 950.0,
}
