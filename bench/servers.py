"""Tradewind's long-running server, driven for the scheduler scenarios.

:class:`TradewindStandalone` launches ``tradewind standalone`` in a home folder (on SQLite,
or on the PostgreSQL URL it is given), waits for its "Ready" line, triggers runs through the
metadata database and reads back what happened: the run's queued and end times and every
task's start and end, as the scheduler recorded them.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, Protocol


@dataclass(frozen=True)
class TaskTimes:
    task_id: str
    start: datetime
    end: datetime


@dataclass(frozen=True)
class RunTimes:
    state: str
    queued_at: datetime
    end: datetime
    tasks: list[TaskTimes]


class ServerFailed(RuntimeError):
    """The server did not start, or a run did not finish in time."""


class Server(Protocol):
    """What the server scenarios need of a system's long-running server."""

    dags_folder: Path

    def start(self, timeout: float = 60.0) -> float:
        """Launch it; returns the seconds until it said it was ready."""
        ...

    def stop(self) -> None: ...

    @property
    def pid(self) -> int: ...

    def wait_for_dag(self, dag_id: str, timeout: float = 60.0) -> None: ...

    def trigger(self, dag_id: str) -> str:
        """Queue a run of the DAG; returns its run id."""
        ...

    def wait_for_run(self, dag_id: str, run_id: str, timeout: float = 600.0) -> RunTimes: ...


class TradewindStandalone:
    """``tradewind standalone`` in ``home`` (see the module)."""

    def __init__(
        self,
        executable: str,
        home: Path,
        *,
        database_url: str = "",
        env: Mapping[str, str] | None = None,
        as_installed: bool = False,
    ) -> None:
        self.home = home
        self.database_url = database_url
        self.env = {**(env if env is not None else os.environ), "TRADEWIND_HOME": str(home)}
        if not as_installed:  # no example DAGs; the benchmark's own DAGs start unpaused
            self.env["TRADEWIND__CORE__LOAD_EXAMPLES"] = "false"
            self.env["TRADEWIND__CORE__DAGS_ARE_PAUSED_AT_CREATION"] = "false"
        if database_url:
            self.env["TRADEWIND_DATABASE_URL"] = database_url
        self.argv = [executable, "standalone"]
        self.dags_folder = home / "dags"
        self.process: subprocess.Popen[str] | None = None
        self._ready = threading.Event()
        self._lines: list[str] = []
        self._errors: IO[str] | None = None
        self._engine: Any = None
        self._sessions: Any = None

    # -- life ----------------------------------------------------------------------------------

    def start(self, timeout: float = 60.0) -> float:
        """Launch the server; returns the seconds until it printed its "Ready" line."""
        self.home.mkdir(parents=True, exist_ok=True)
        self.dags_folder.mkdir(exist_ok=True)
        self._errors = open(self.home / "standalone.err", "w")  # noqa: SIM115
        started = time.perf_counter()
        self.process = subprocess.Popen(
            self.argv,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=self._errors,
            text=True,
            bufsize=1,
        )
        threading.Thread(target=self._read, args=(self.process,), daemon=True).start()
        if not self._ready.wait(timeout) or self.process.poll() is not None:
            self.stop()
            raise ServerFailed(f"`tradewind standalone` was not ready: {self.log_tail()}")
        return time.perf_counter() - started

    def _read(self, process: subprocess.Popen[str]) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            self._lines.append(line)
            if line.startswith("Ready in"):
                self._ready.set()
        self._ready.set()  # it exited: stop waiting

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self._errors is not None:
            self._errors.close()
        if self._engine is not None:
            self._engine.dispose()

    def log_tail(self) -> str:
        errors = (self.home / "standalone.err").read_text(errors="replace")[-3000:]
        return "".join(self._lines[-20:]) + errors

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    # -- the database --------------------------------------------------------------------------

    def _session(self) -> Any:
        if self._sessions is None:
            from tradewind.storage.engine import create_engine_from_url, session_factory

            url = self.database_url or f"sqlite:///{self.home / 'tradewind.db'}"
            self._engine = create_engine_from_url(url, pool_size=1)
            self._sessions = session_factory(self._engine)
        return self._sessions()

    def wait_for_dag(self, dag_id: str, timeout: float = 60.0) -> None:
        from tradewind.storage.rows import DagRow

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._session() as session:
                if session.get(DagRow, dag_id) is not None:
                    return
            self._check_alive()
            time.sleep(0.05)
        raise ServerFailed(f"DAG {dag_id} was not recorded in {timeout} s: {self.log_tail()}")

    def trigger(self, dag_id: str) -> str:
        from tradewind.server.specs import SpecCache
        from tradewind.server.triggering import trigger_dag_run

        with self._session() as session:
            run = trigger_dag_run(session, SpecCache(), dag_id, now=datetime.now(UTC))
            session.commit()
        return str(run.run_id)

    def wait_for_run(self, dag_id: str, run_id: str, timeout: float = 600.0) -> RunTimes:
        from sqlalchemy import select

        from tradewind.storage.rows import DagRunRow, TaskInstanceRow

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._session() as session:
                run = session.scalars(
                    select(DagRunRow).where(DagRunRow.dag_id == dag_id, DagRunRow.run_id == run_id)
                ).one()
                if run.state in ("success", "failed"):
                    tis = session.scalars(
                        select(TaskInstanceRow).where(
                            TaskInstanceRow.dag_id == dag_id, TaskInstanceRow.run_id == run_id
                        )
                    )
                    return RunTimes(
                        state=str(run.state),
                        queued_at=run.queued_at,
                        end=run.end_date,
                        tasks=[
                            TaskTimes(ti.task_id, ti.start_date, ti.end_date)
                            for ti in tis
                            if ti.start_date is not None and ti.end_date is not None
                        ],
                    )
            self._check_alive()
            time.sleep(0.05)
        raise ServerFailed(f"Run {run_id} of {dag_id} did not finish in {timeout} s")

    def _check_alive(self) -> None:
        if self.process is not None and self.process.poll() is not None:
            raise ServerFailed(f"`tradewind standalone` exited: {self.log_tail()}")


def resident_megabytes(pid: int) -> float:
    """The resident memory of ``pid`` and every process below it, in MB (from /proc)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rpartition(")")[2].split()
            except OSError:
                continue
            parents[int(entry.name)] = int(fields[1])
    family = {pid}
    frontier = {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - family
        family |= frontier
    total_kb = 0
    for member in family:
        try:
            status = Path(f"/proc/{member}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                total_kb += int(line.split()[1])
    return total_kb / 1024
