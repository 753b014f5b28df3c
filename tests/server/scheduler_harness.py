"""The real scheduler and local executor in threads of the test process, on a real database.

``SchedulerHarness`` migrates a database (SQLite under ``home``, or a PostgreSQL URL), writes
DAG files, records them with the DAG processor, and runs the scheduler that
``build_scheduler`` assembles for ``tradewind scheduler`` (its local executor forks every try
from a warm supervisor process). Tests trigger runs and read what happened from the
database: runs, task instances, tries, XCom. Times come from the recorded start and end
dates, never from sleeping in the test.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, make_url, select, text
from sqlalchemy.exc import OperationalError
from tests.server.postgres_schema import DEFAULT_POSTGRES_URL, POSTGRES_URL_ENV

from tradewind.config import (
    CoreSettings,
    DatabaseSettings,
    ExecutorSettings,
    SchedulerSettings,
    Settings,
)
from tradewind.contracts.states import TERMINAL_RUN_STATES
from tradewind.server.assembly import build_dag_processor, build_scheduler, open_database
from tradewind.server.specs import SpecCache
from tradewind.server.triggering import trigger_dag_run
from tradewind.storage.engine import create_engine_from_url
from tradewind.storage.migrate import migrate
from tradewind.storage.repos import dags as dag_repo
from tradewind.storage.repos import pools as pool_repo
from tradewind.storage.rows import DagRunRow, TaskInstanceRow, TaskTryRow, XComRow


class SchedulerHarness:
    """A database, a DAG folder, a DAG processor and a running scheduler (see the module)."""

    def __init__(
        self,
        home: Path,
        *,
        database_url: str = "",
        parallelism: int = 16,
        heartbeat_interval: float = 0.1,
        zombie_timeout: float = 2.0,
        sweep_interval: float = 0.2,
        kill_grace: float = 0.5,
        dags_folder: Path | None = None,
    ) -> None:
        self.home = home
        self.settings = Settings(
            home=home,
            core=CoreSettings(
                dags_folder=str(dags_folder or ""),
                load_examples=False,
                dags_are_paused_at_creation=False,
            ),
            database=DatabaseSettings(url=database_url),
            executor=ExecutorSettings(
                parallelism=parallelism,
                heartbeat_interval=heartbeat_interval,
                kill_grace=kill_grace,
            ),
            scheduler=SchedulerSettings(
                zombie_timeout=zombie_timeout, sweep_interval=sweep_interval
            ),
        )
        self.engine, self.sessions = open_database(self.settings)
        migrate(self.engine)
        self.dags_folder = self.settings.dags_folder
        self.dags_folder.mkdir(parents=True, exist_ok=True)
        self.scheduler = build_scheduler(self.settings, self.sessions)
        self.processor = build_dag_processor(
            self.settings, self.sessions, folders=[self.dags_folder]
        )
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- life ----------------------------------------------------------------------------------

    def start(self) -> None:
        self.scheduler.executor.start()
        self._thread = threading.Thread(
            target=self.scheduler.run, args=(self._stop,), name="scheduler", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self.scheduler.wake()
        if self._thread is not None:
            self._thread.join(timeout=20)
            assert not self._thread.is_alive(), "the scheduler did not stop"
        self.scheduler.executor.stop()
        self.engine.dispose()

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    # -- DAGs, pools and runs ------------------------------------------------------------------

    def write_dags(self, files: dict[str, str]) -> None:
        for name, source in files.items():
            (self.dags_folder / name).write_text(source)

    def parse(self) -> None:
        report = self.processor.parse_once()
        assert report.import_errors == 0, f"DAG files failed to import: {report}"
        self.scheduler.wake_for_runs()

    def create_pool(self, name: str, slots: int) -> None:
        with self.sessions() as session:
            pool_repo.create_pool(session=session, name=name, slots=slots)
            session.commit()

    def set_paused(self, dag_id: str, paused: bool) -> None:
        with self.sessions() as session:
            dag_repo.update_dags_paused(session=session, dag_ids=[dag_id], is_paused=paused)
            session.commit()
        self.scheduler.wake_for_runs()

    def trigger(self, dag_id: str, conf: dict[str, Any] | None = None) -> str:
        with self.sessions() as session:
            run = trigger_dag_run(
                session,
                SpecCache(),
                dag_id,
                now=datetime.now(UTC),
                run_id=f"manual__{uuid.uuid4().hex[:12]}",
                conf=conf,
            )
            session.commit()
        self.scheduler.wake_for_runs()
        return run.run_id

    def wait(self, dag_id: str, run_id: str, timeout: float = 30.0) -> DagRunRow:
        """The run once it has finished; fails the test if it does not within ``timeout``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.sessions() as session:
                run = session.scalars(
                    select(DagRunRow).where(DagRunRow.dag_id == dag_id, DagRunRow.run_id == run_id)
                ).one()
            if run.state in TERMINAL_RUN_STATES:
                return run
            assert self.alive, "the scheduler thread died"
            time.sleep(0.02)
        raise AssertionError(
            f"Run {run_id} of {dag_id} did not finish in {timeout} s: {self.states(dag_id, run_id)}"
        )

    def wait_until(self, what: str, condition: Any, timeout: float = 20.0) -> Any:
        """Poll ``condition()`` until it returns something truthy, and return that."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = condition()
            if found:
                return found
            time.sleep(0.02)
        raise AssertionError(f"Timed out after {timeout} s waiting for {what}")

    # -- what happened -------------------------------------------------------------------------

    def runs(self, dag_id: str) -> list[DagRunRow]:
        with self.sessions() as session:
            return list(
                session.scalars(
                    select(DagRunRow).where(DagRunRow.dag_id == dag_id).order_by(DagRunRow.id)
                )
            )

    def task_instances(self, dag_id: str, run_id: str) -> list[TaskInstanceRow]:
        with self.sessions() as session:
            return list(
                session.scalars(
                    select(TaskInstanceRow)
                    .where(TaskInstanceRow.dag_id == dag_id, TaskInstanceRow.run_id == run_id)
                    .order_by(TaskInstanceRow.task_id, TaskInstanceRow.map_index)
                )
            )

    def states(self, dag_id: str, run_id: str) -> dict[str, str | None]:
        return {
            ti.task_id: (str(ti.state) if ti.state else None)
            for ti in self.task_instances(dag_id, run_id)
        }

    def tries(self, dag_id: str, run_id: str, task_id: str | None = None) -> list[TaskTryRow]:
        with self.sessions() as session:
            stmt = select(TaskTryRow).where(
                TaskTryRow.dag_id == dag_id, TaskTryRow.run_id == run_id
            )
            if task_id is not None:
                stmt = stmt.where(TaskTryRow.task_id == task_id)
            return list(session.scalars(stmt.order_by(TaskTryRow.task_id, TaskTryRow.try_number)))

    def xcom(self, dag_id: str, run_id: str, task_id: str) -> Any:
        with self.sessions() as session:
            value = session.scalar(
                select(XComRow.value).where(
                    XComRow.dag_id == dag_id,
                    XComRow.run_id == run_id,
                    XComRow.task_id == task_id,
                    XComRow.key == "return_value",
                )
            )
        return None if value is None else json.loads(value)


def max_overlap(intervals: Iterable[tuple[datetime, datetime]]) -> int:
    """The most intervals that were open at one moment (touching ends do not overlap)."""
    moments = []
    for start, end in intervals:
        moments += [(start, 1), (end, -1)]
    open_now = most = 0
    for _, change in sorted(moments, key=lambda m: (m[0], m[1])):
        open_now += change
        most = max(most, open_now)
    return most


def wait_for_pid_file(path: Path, timeout: float = 20.0) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            text_ = path.read_text()
        except FileNotFoundError:
            text_ = ""
        if text_.endswith("\n"):
            return int(text_)
        time.sleep(0.02)
    raise AssertionError(f"{path} was not written in {timeout} s")


def alive(pid: int) -> bool:
    """Whether ``pid`` is a live process (a zombie waiting for its reaper counts as dead)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"


@contextlib.contextmanager
def postgres_schema_url() -> Iterator[str]:
    """A URL whose connections use a new schema of the PostgreSQL test database.

    Unreachable, the test fails under ``CI`` and is skipped otherwise.
    """
    url = make_url(os.environ.get(POSTGRES_URL_ENV, DEFAULT_POSTGRES_URL))
    server: Engine = create_engine_from_url(
        url.update_query_dict({"connect_timeout": "5"}), pool_size=1
    )
    try:
        with server.connect() as connection:
            connection.execute(text("SELECT 1"))
    except OperationalError as error:
        server.dispose()
        message = f"PostgreSQL at {url.render_as_string()} is unreachable: {error.orig}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    schema = f"tw_sched_{uuid.uuid4().hex[:12]}"
    with server.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield url.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
            hide_password=False
        )
    finally:
        with server.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        server.dispose()


#: Builds a module's harness (DAG files written, pools made, not started) in a home folder,
#: on a database URL ("" for SQLite).
HarnessBuilder = Callable[[Path, str], SchedulerHarness]


@contextlib.contextmanager
def running(harness: SchedulerHarness) -> Iterator[SchedulerHarness]:
    """The harness started, its DAG files parsed; stopped on the way out."""
    harness.start()
    harness.parse()
    try:
        yield harness
    finally:
        harness.stop()


def module_schedulers(build: HarnessBuilder, name: str) -> tuple[Any, Any, Any]:
    """The fixtures ``sqlite_scheduler`` and ``postgres_scheduler`` (one running scheduler
    per module and database) and ``scheduler`` (each test on SQLite, then on PostgreSQL).

    Use: ``sqlite_scheduler, postgres_scheduler, scheduler = module_schedulers(build, "x")``.
    """

    @pytest.fixture(scope="module")
    def sqlite_scheduler(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SchedulerHarness]:
        with running(build(tmp_path_factory.mktemp(f"{name}-sqlite"), "")) as harness:
            yield harness

    @pytest.fixture(scope="module")
    def postgres_scheduler(
        tmp_path_factory: pytest.TempPathFactory,
    ) -> Iterator[SchedulerHarness]:
        with (
            postgres_schema_url() as url,
            running(build(tmp_path_factory.mktemp(f"{name}-postgres"), url)) as harness,
        ):
            yield harness

    @pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
    def scheduler(request: pytest.FixtureRequest) -> SchedulerHarness:
        """The module's scheduler on SQLite, then on PostgreSQL."""
        harness: SchedulerHarness = request.getfixturevalue(f"{request.param}_scheduler")
        return harness

    return sqlite_scheduler, postgres_scheduler, scheduler
