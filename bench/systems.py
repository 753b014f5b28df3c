"""Systems under test: how one orchestrator spells DAG imports and the commands to time.

A system is found by name in :data:`SYSTEMS`. Only Tradewind is registered today; the
Airflow side-by-side issue adds an ``AirflowSystem`` here (``airflow dags test`` from its own
virtualenv, ``AIRFLOW_HOME`` in the work folder), and every scenario then runs on both.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from bench.servers import Server, TradewindStandalone


class System(Protocol):
    """What a scenario needs to know about the orchestrator it measures."""

    #: Short name, used on the command line and in reports.
    name: str
    #: Import lines of a generated DAG file: they must provide ``DAG`` and ``PythonOperator``.
    dag_header: str

    def version(self) -> str:
        """The version under test, for the report."""
        ...

    def python(self) -> list[str]:
        """The interpreter the system runs on (for the ``python -c pass`` floor)."""
        ...

    def cli(self, *args: str) -> list[str]:
        """The system's command line with ``args``."""
        ...

    def dags_test(self, dag_file: Path, dag_id: str) -> list[str]:
        """The command that runs ``dag_id`` from ``dag_file`` once, in process."""
        ...

    def import_module(self) -> str:
        """The package a user's DAG file imports first."""
        ...

    def env(self, home: Path) -> Mapping[str, str]:
        """Environment of every timed command; ``home`` is a private, empty work folder."""
        ...

    def server(self, home: Path, database_url: str, *, defaults: bool = False) -> Server:
        """The system's one-machine server in ``home``, on ``database_url`` ("": SQLite).

        With ``defaults`` it starts as a user's first start does (example DAGs and all);
        else without example DAGs, and the DAGs written to its folder are not paused.
        """
        ...


@dataclass(frozen=True)
class TradewindSystem:
    """Tradewind, from the virtualenv of the interpreter running the harness."""

    name: str = "tradewind"
    dag_header: str = (
        "from tradewind import DAG\nfrom tradewind.operators.python import PythonOperator\n"
    )

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

    def version(self) -> str:
        result = subprocess.run(self.cli("--version"), capture_output=True, text=True, check=True)
        return result.stdout.strip().rsplit(" ", 1)[-1]

    def python(self) -> list[str]:
        return [sys.executable]

    def cli(self, *args: str) -> list[str]:
        return [self.executable(), *args]

    def dags_test(self, dag_file: Path, dag_id: str) -> list[str]:
        return self.cli("dags", "test", str(dag_file), dag_id)

    def import_module(self) -> str:
        return "tradewind"

    def env(self, home: Path) -> Mapping[str, str]:
        return {**os.environ, "TRADEWIND_HOME": str(home)}

    def server(self, home: Path, database_url: str, *, defaults: bool = False) -> Server:
        return TradewindStandalone(
            self.executable(), home, database_url=database_url, as_installed=defaults
        )


SYSTEMS: dict[str, System] = {"tradewind": TradewindSystem()}

#: Figures quoted in the benchmark issue (not measured by this harness): Apache Airflow
#: 3.3.2's ``airflow dags test`` "on this kind of machine", in seconds, by scenario.
QUOTED_AIRFLOW_SECONDS: dict[str, float] = {"chain50": 13.0, "fanout200": 21.0}
QUOTED_AIRFLOW_LABEL = "Apache Airflow 3.3.2 `airflow dags test` (quoted in the issue)"

#: Airflow 3.3.2 with the LocalExecutor on SQLite, quoted in the scheduler issue: by
#: (scenario, figure), the value in the figure's unit.
QUOTED_AIRFLOW_SERVER: dict[tuple[str, str], float] = {
    ("sched_chain50", "total"): 56.0,
    ("sched_chain50", "gap"): 0.9,
    ("sched_fanout200", "total"): 73.0,
    ("sched_fanout200", "throughput"): 2.8,
    ("standalone_ready", "ready"): 7.0,
    ("idle_rss", "rss"): 950.0,
}
QUOTED_AIRFLOW_SERVER_LABEL = (
    "Apache Airflow 3.3.2, LocalExecutor on SQLite (quoted in the scheduler issue, not measured)"
)
