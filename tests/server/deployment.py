"""The in-process deployment tests drive: see ``tests/server/conftest.py`` for its fixtures."""

from __future__ import annotations

import textwrap
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from tradewind.contracts.states import TERMINAL_RUN_STATES, DagRunState
from tradewind.runtime.loader import ParseResult, StrPath, dag_folder, find_dag_files, load_dag_file
from tradewind.sdk.serialization import serialize_dag
from tradewind.server.dag_processor import DagProcessor, ParseReport
from tradewind.server.in_process import in_process_scheduler
from tradewind.server.scheduler import Scheduler
from tradewind.server.specs import SpecCache
from tradewind.server.triggering import trigger_dag_run
from tradewind.storage.repos import dag_runs as run_repo
from tradewind.storage.repos import dags as dag_repo
from tradewind.storage.repos import task_instances as ti_repo
from tradewind.storage.rows import TaskInstanceRow

#: Imports for DAG files written by tests; ``mark("x")`` appends "x" to ``runs.log`` beside
#: the file, and ``failing("x")`` is true while a file ``fail_x`` exists there.
DAG_PRELUDE = """\
from datetime import datetime, timedelta
from pathlib import Path

from tradewind import DAG, task
from tradewind.operators.empty import EmptyOperator
from tradewind.operators.python import PythonOperator

HERE = Path(__file__).parent


def mark(name):
    with (HERE / "runs.log").open("a") as log:
        log.write(name + "\\n")


def failing(name):
    return (HERE / f"fail_{name}").exists()


def work(name):
    def run():
        mark(name)
        if failing(name):
            raise ValueError(f"{name} was told to fail")
        return name

    return run
"""


@dataclass
class Deployment:
    """A migrated database, a DAG folder, its DAG processor and an in-process scheduler."""

    engine: Engine
    sessions: sessionmaker[Session]
    home: Path
    processor: DagProcessor = field(init=False)
    scheduler: Scheduler = field(init=False)
    specs: SpecCache = field(default_factory=SpecCache)

    def __post_init__(self) -> None:
        self.dags_folder.mkdir(parents=True, exist_ok=True)
        self.processor = DagProcessor(
            session_factory=self.sessions, dags_folders=[self.dags_folder]
        )
        self.scheduler = in_process_scheduler(self.sessions, logs_folder=self.home / "logs")

    @property
    def dags_folder(self) -> Path:
        return self.home / "dags"

    # -- DAG files -------------------------------------------------------------------------

    def write_dag(self, name: str, body: str) -> Path:
        """Write a DAG file: :data:`DAG_PRELUDE` then ``body`` (dedented)."""
        path = self.dags_folder / name
        path.write_text(DAG_PRELUDE + "\n" + textwrap.dedent(body))
        return path

    def parse(self) -> ParseReport:
        return self.processor.parse_once()

    def fail(self, task_id: str, failing: bool = True) -> None:
        """Make the tasks built with ``work(task_id)`` fail (or succeed again)."""
        flag = self.dags_folder / f"fail_{task_id}"
        if failing:
            flag.touch()
        else:
            flag.unlink(missing_ok=True)

    def executed(self) -> list[str]:
        """Names ``mark`` recorded, in order; the record starts over."""
        log = self.dags_folder / "runs.log"
        if not log.exists():
            return []
        names = log.read_text().split()
        log.unlink()
        return names

    # -- the database --------------------------------------------------------------------

    def unpause(self, *dag_ids: str) -> None:
        with self.sessions.begin() as session:
            dag_repo.update_dags_paused(session=session, dag_ids=dag_ids, is_paused=False)

    def trigger(self, dag_id: str, **options: Any) -> str:
        with self.sessions.begin() as session:
            run = trigger_dag_run(session, self.specs, dag_id, now=datetime.now(UTC), **options)
            return run.run_id

    def run_state(self, dag_id: str, run_id: str) -> DagRunState | None:
        with self.sessions() as session:
            run = run_repo.get_dag_run(session=session, dag_id=dag_id, run_id=run_id)
            return None if run is None else run.state

    def states(self, dag_id: str, run_id: str) -> dict[str, str | None]:
        """task_id (``task_id[i]`` for a mapped instance) → state."""
        return {
            _label(ti): (str(ti.state) if ti.state else None)
            for ti in self.task_instances(dag_id, run_id)
        }

    def task_instances(self, dag_id: str, run_id: str) -> list[TaskInstanceRow]:
        with self.sessions() as session:
            return ti_repo.list_task_instances(session=session, dag_id=dag_id, run_id=run_id)

    def ti(self, dag_id: str, run_id: str, task_id: str, map_index: int = -1) -> TaskInstanceRow:
        with self.sessions() as session:
            row = ti_repo.get_task_instance(
                session=session, dag_id=dag_id, run_id=run_id, task_id=task_id, map_index=map_index
            )
            assert row is not None, f"no task instance {task_id}[{map_index}] in {run_id}"
            return row

    # -- running ---------------------------------------------------------------------------

    def run_until_finished(
        self, dag_id: str, *run_ids: str, timeout: float = 20.0
    ) -> DagRunState | None:
        """Step the scheduler until every run named has finished; returns the last one's state."""
        deadline = time.monotonic() + timeout
        while True:
            states = [self.run_state(dag_id, run_id) for run_id in run_ids]
            if all(state in TERMINAL_RUN_STATES for state in states):
                return states[-1]
            if time.monotonic() > deadline:
                raise AssertionError(f"runs {run_ids} of {dag_id} still {states}")
            if self.scheduler.step() == 0:
                time.sleep(0.002)


def _label(ti: TaskInstanceRow) -> str:
    return ti.task_id if ti.map_index < 0 else f"{ti.task_id}[{ti.map_index}]"


def parse_here(path: StrPath, *, timeout: float = 30.0, **_: Any) -> ParseResult:
    """``parse_dag_files`` without its child process, which costs a test 0.2 s.

    Patched into the DAG processor by the ``deployment`` fixtures: what it records, and
    when, is the processor's own; only the parse worker's isolation is left out.
    """
    result = ParseResult()
    root = dag_folder(path)
    for name in find_dag_files(path):
        loaded = load_dag_file(name, timeout=timeout, root=root)
        result.files.append(name)
        result.errors.extend(loaded.errors)
        result.specs.extend(serialize_dag(dag) for dag in loaded.dags.values())
    return result
