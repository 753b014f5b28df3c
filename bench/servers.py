"""The long-running servers the server scenarios drive, and Tradewind's.

A :class:`Server` is a system's all-in-one server (``standalone``) in a home folder of its
own, on a free port: launched, ready once ``/api/v2/monitor/health`` answers, runs triggered
through its metadata database and read back from it (the run's queued and end times, every
task's recorded start and end). :class:`TradewindStandalone` is Tradewind's;
``bench.airflow_server`` has Airflow's.
"""

from __future__ import annotations

import os
import signal
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from bench.processes import Launched, ServerFailed, free_port

__all__ = ["RunTimes", "Server", "ServerFailed", "TaskTimes", "TradewindStandalone"]


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


class Server(Protocol):
    """What the server scenarios need of a system's long-running server."""

    dags_folder: Path

    def start(self, timeout: float = 120.0) -> float:
        """Launch it; returns the seconds until its health endpoint answered."""
        ...

    def stop(self) -> None: ...

    @property
    def pid(self) -> int: ...

    def wait_for_dag(self, dag_id: str, timeout: float = 120.0) -> None:
        """Wait until the DAG is parsed, recorded and unpaused."""
        ...

    def trigger(self, dag_id: str) -> str:
        """Queue a run of the DAG; returns its run id."""
        ...

    def wait_for_run(self, dag_id: str, run_id: str, timeout: float = 600.0) -> RunTimes: ...


class TradewindStandalone:
    """``tradewind standalone`` in ``home``, without example DAGs, new DAGs unpaused."""

    def __init__(self, executable: str, home: Path, *, database_url: str = "") -> None:
        self.home = home
        self.database_url = database_url
        self.port = free_port()
        self.env = {
            **os.environ,
            "TRADEWIND_HOME": str(home),
            "TRADEWIND__CORE__LOAD_EXAMPLES": "false",
            "TRADEWIND__CORE__DAGS_ARE_PAUSED_AT_CREATION": "false",
        }
        if database_url:
            self.env["TRADEWIND_DATABASE_URL"] = database_url
        self.argv = [executable, "standalone", "--port", str(self.port)]
        self.dags_folder = home / "dags"
        self._launched: Launched | None = None
        self._engine: Any = None
        self._sessions: Any = None

    # -- life ----------------------------------------------------------------------------------

    def start(self, timeout: float = 120.0) -> float:
        self.dags_folder.mkdir(parents=True, exist_ok=True)
        self._launched = Launched(self.argv, self.env, self.home / "standalone.log")
        try:
            return self._launched.wait_for_health(self.port, timeout)
        except ServerFailed as error:
            self.stop()
            raise ServerFailed(f"`tradewind standalone`: {error}") from None

    def stop(self) -> None:
        if self._launched is not None:
            self._launched.stop([signal.SIGTERM], grace=30)  # it stops its parts on SIGTERM
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    @property
    def pid(self) -> int:
        assert self._launched is not None
        return self._launched.pid

    def _check_alive(self) -> None:
        if self._launched is not None and not self._launched.alive():
            raise ServerFailed(f"`tradewind standalone` exited:\n{self._launched.log_tail()}")

    # -- the database --------------------------------------------------------------------------

    def _session(self) -> Any:
        if self._sessions is None:
            from tradewind.storage.engine import create_engine_from_url, session_factory

            url = self.database_url or f"sqlite:///{self.home / 'tradewind.db'}"
            self._engine = create_engine_from_url(url, pool_size=1)
            self._sessions = session_factory(self._engine)
        return self._sessions()

    def wait_for_dag(self, dag_id: str, timeout: float = 120.0) -> None:
        from tradewind.storage.rows import DagRow

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._session() as session:
                if session.get(DagRow, dag_id) is not None:
                    return
            self._check_alive()
            time.sleep(0.05)
        raise ServerFailed(f"DAG {dag_id} was not recorded in {timeout:.0f} s")

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
        raise ServerFailed(f"run {run_id} of {dag_id} did not finish in {timeout:.0f} s")
