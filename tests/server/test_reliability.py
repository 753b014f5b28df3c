"""Reliability with real processes: ``tradewind scheduler``, ``dag-processor`` and ``standalone``
run as subprocesses with ``TRADEWIND_HOME`` in ``tmp_path``; the test kills, floods and stalls
them and reads the outcome from the database.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

import pytest
from sqlalchemy import select
from tests.server.scheduler_harness import alive

from tradewind.config import load_settings
from tradewind.contracts.states import TERMINAL_RUN_STATES, DagRunState
from tradewind.contracts.states import TaskInstanceState as S
from tradewind.server.assembly import open_database
from tradewind.server.specs import SpecCache
from tradewind.server.triggering import trigger_dag_run
from tradewind.storage.migrate import migrate
from tradewind.storage.rows import DagRow, DagRunRow, TaskInstanceRow, TaskTryRow

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc"),
]

TRADEWIND = str(Path(sys.executable).with_name("tradewind"))

HEADER = """\
import time
from datetime import datetime, timedelta
from tradewind import DAG
from tradewind.operators.python import PythonOperator

START = datetime(2024, 1, 1)


def nap(seconds):
    time.sleep(seconds)
"""

FANOUT = (
    HEADER
    + """
with DAG("wide", schedule=None, start_date=START, is_paused_upon_creation=False):
    start = PythonOperator(task_id="start", python_callable=nap, op_args=[0])
    join = PythonOperator(task_id="join", python_callable=nap, op_args=[0])
    for i in range(80):
        start >> PythonOperator(task_id=f"t{i}", python_callable=nap, op_args=[0.1]) >> join
"""
)

TROUBLE = (
    HEADER
    + """
def shout():
    line = "x" * 1_000_000
    for _ in range(100):
        print(line)


def endless():
    while True:
        try:
            time.sleep(0.1)
        except BaseException:  # swallows the execution timeout: only a kill ends it
            pass


with DAG("loud", schedule=None, start_date=START, is_paused_upon_creation=False):
    PythonOperator(task_id="shout", python_callable=shout)

with DAG("stuck", schedule=None, start_date=START, is_paused_upon_creation=False):
    PythonOperator(
        task_id="endless", python_callable=endless, execution_timeout=timedelta(seconds=1)
    )

with DAG("steady", schedule=None, start_date=START, is_paused_upon_creation=False):
    previous = None
    for i in range(5):
        current = PythonOperator(task_id=f"s{i}", python_callable=nap, op_args=[0])
        if previous is not None:
            previous >> current
        previous = current
"""
)


class Home:
    """A Tradewind home in a folder: its settings, database and ``tradewind`` subprocesses."""

    def __init__(self, path: Path, **settings: str) -> None:
        self.path = path
        self.env = {
            **os.environ,
            "TRADEWIND_HOME": str(path),
            "TRADEWIND__CORE__LOAD_EXAMPLES": "false",
            "TRADEWIND__EXECUTOR__HEARTBEAT_INTERVAL": "0.2",
            "TRADEWIND__EXECUTOR__KILL_GRACE": "0.5",
            "TRADEWIND__SCHEDULER__SWEEP_INTERVAL": "0.2",
            **settings,
        }
        self.engine, self.sessions = open_database(load_settings(self.env))
        migrate(self.engine)
        (path / "dags").mkdir()
        self.processes: list[subprocess.Popen[bytes]] = []
        self._outputs: list[IO[bytes]] = []

    def start(self, *command: str) -> subprocess.Popen[bytes]:
        output = open(self.path / f"{command[0]}-{len(self.processes)}.log", "wb")  # noqa: SIM115
        self._outputs.append(output)
        process = subprocess.Popen(
            [TRADEWIND, *command], env=self.env, stdout=output, stderr=subprocess.STDOUT
        )
        self.processes.append(process)
        return process

    def output(self, process: subprocess.Popen[bytes]) -> str:
        return (self.path / f"{process.args[1]}-{self.processes.index(process)}.log").read_text()  # type: ignore[index]

    def close(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.kill()
                process.wait()
        for output in self._outputs:
            output.close()
        self.engine.dispose()

    def wait_for(self, what: str, condition: object, timeout: float = 30.0) -> object:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = condition()  # type: ignore[operator]
            if found:
                return found
            for process in self.processes:
                if process.returncode is None and process.poll() is not None:
                    raise AssertionError(f"{process.args} exited: {self.output(process)[-3000:]}")
            time.sleep(0.05)
        raise AssertionError(f"Timed out after {timeout} s waiting for {what}")

    def dag_recorded(self, dag_id: str) -> bool:
        with self.sessions() as session:
            return session.get(DagRow, dag_id) is not None

    def trigger(self, dag_id: str) -> str:
        with self.sessions() as session:
            run = trigger_dag_run(session, SpecCache(), dag_id, now=datetime.now(UTC))
            session.commit()
        return run.run_id

    def run(self, dag_id: str, run_id: str) -> DagRunRow:
        with self.sessions() as session:
            return session.scalars(
                select(DagRunRow).where(DagRunRow.dag_id == dag_id, DagRunRow.run_id == run_id)
            ).one()

    def finished(self, dag_id: str, run_id: str) -> DagRunRow | None:
        run = self.run(dag_id, run_id)
        return run if run.state in TERMINAL_RUN_STATES else None

    def task_instances(self, dag_id: str, run_id: str) -> list[TaskInstanceRow]:
        with self.sessions() as session:
            return list(
                session.scalars(
                    select(TaskInstanceRow).where(
                        TaskInstanceRow.dag_id == dag_id, TaskInstanceRow.run_id == run_id
                    )
                )
            )

    def tries(self, dag_id: str, run_id: str) -> list[TaskTryRow]:
        with self.sessions() as session:
            return list(
                session.scalars(
                    select(TaskTryRow).where(
                        TaskTryRow.dag_id == dag_id, TaskTryRow.run_id == run_id
                    )
                )
            )


@pytest.fixture
def home(tmp_path: Path) -> Iterator[Home]:
    found = Home(tmp_path / "home")
    try:
        yield found
    finally:
        found.close()


def descendants(pid: int) -> set[int]:
    """Live processes below ``pid`` (children, their children, …), from /proc."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rpartition(")")[2].split()
            except OSError:
                continue
            if fields[0] != "Z":
                parents[int(entry.name)] = int(fields[1])
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def wait_gone(pids: set[int], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and any(alive(pid) for pid in pids):
        time.sleep(0.05)
    assert not [pid for pid in pids if alive(pid)], "processes were left behind"


def test_a_scheduler_killed_mid_fan_out_is_restarted_and_finishes_the_run_exactly_once(
    home: Home,
) -> None:
    (home.path / "dags" / "wide.py").write_text(FANOUT)
    home.start("dag-processor")
    home.wait_for("the DAG to be recorded", lambda: home.dag_recorded("wide"))
    scheduler = home.start("scheduler")
    run_id = home.trigger("wide")

    def some_done() -> bool:
        tis = home.task_instances("wide", run_id)
        return sum(ti.state is S.SUCCESS for ti in tis) >= 20

    home.wait_for("20 tasks to succeed", some_done)
    below = descendants(scheduler.pid)
    assert below, "the scheduler runs its tasks in child processes"
    scheduler.kill()
    scheduler.wait()
    wait_gone(below)  # its worker stops its tasks and exits with it
    assert home.run("wide", run_id).state is DagRunState.RUNNING

    restarted = home.start("scheduler")
    run = home.wait_for("the run to finish", lambda: home.finished("wide", run_id), timeout=60)

    assert isinstance(run, DagRunRow) and run.state is DagRunState.SUCCESS
    tis = home.task_instances("wide", run_id)
    assert len(tis) == 82 and {ti.state for ti in tis} == {S.SUCCESS}
    tries = home.tries("wide", run_id)
    successes = Counter(t.task_id for t in tries if t.state is S.SUCCESS)
    assert successes == Counter({ti.task_id: 1 for ti in tis})
    interrupted = [t for t in tries if t.state is not S.SUCCESS]
    assert interrupted, "some tries were running when the scheduler was killed"
    for attempt in interrupted:
        assert attempt.state is S.FAILED
        assert "The scheduler that ran this try stopped" in (attempt.error or "")
    below = descendants(restarted.pid)
    restarted.send_signal(signal.SIGTERM)
    assert restarted.wait(timeout=30) == 0
    wait_gone(below)


def test_a_flood_of_output_and_a_task_that_never_ends_leave_standalone_healthy(
    home: Home,
) -> None:
    (home.path / "dags" / "trouble.py").write_text(TROUBLE)
    standalone = home.start("standalone")
    home.wait_for("standalone to be ready", lambda: "Ready in" in home.output(standalone))
    home.wait_for("the DAGs to be recorded", lambda: home.dag_recorded("steady"))

    stuck = home.trigger("stuck")
    loud = home.trigger("loud")
    steady = home.trigger("steady")
    steady_run = home.wait_for("steady to finish", lambda: home.finished("steady", steady))
    loud_run = home.wait_for("loud to finish", lambda: home.finished("loud", loud))
    stuck_run = home.wait_for("stuck to finish", lambda: home.finished("stuck", stuck))

    assert isinstance(steady_run, DagRunRow) and steady_run.state is DagRunState.SUCCESS
    assert isinstance(loud_run, DagRunRow) and loud_run.state is DagRunState.SUCCESS
    assert isinstance(stuck_run, DagRunRow) and stuck_run.state is DagRunState.FAILED
    # The other runs finished while the endless task still ran.
    assert steady_run.end_date < stuck_run.end_date
    [attempt] = home.tries("stuck", stuck)
    assert "ran past its execution_timeout of 1 s and did not stop" in (attempt.error or "")
    logs = list((home.path / "logs").glob("dag_id=loud/**/attempt=1.log"))
    assert len(logs) == 1 and logs[0].stat().st_size > 100_000_000
    again = home.trigger("steady")  # still scheduling after all that
    rerun = home.wait_for("steady to run again", lambda: home.finished("steady", again))
    assert isinstance(rerun, DagRunRow) and rerun.state is DagRunState.SUCCESS

    below = descendants(standalone.pid)
    standalone.send_signal(signal.SIGTERM)
    assert standalone.wait(timeout=30) == 0
    assert "Stopped." in home.output(standalone)
    wait_gone(below)
