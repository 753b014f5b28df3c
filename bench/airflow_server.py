"""``airflow standalone`` from ``bench/.airflow-venv``, driven like Tradewind's server.

Each server gets an ``AIRFLOW_HOME`` of its own (a new SQLite database, migrated by
``standalone`` itself), a free port for its API server, and the execution API pointed at that
port, so its tasks never talk to whatever else listens on 8080. Runs are triggered with
``airflow dags trigger`` and read back from ``airflow.db`` with the standard library's sqlite3
(read-only): the run's ``queued_at`` and ``end_date``, every task instance's start and end.
"""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import time
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

from bench.processes import Launched, ServerFailed, free_port
from bench.servers import RunTimes, TaskTimes


def airflow_env(base: Mapping[str, str], home: Path, venv: Path) -> dict[str, str]:
    """The settings every Airflow command of the harness runs with, in ``home``."""
    return {
        **base,
        # `standalone` starts its parts as `airflow ...` from PATH.
        "PATH": f"{venv / 'bin'}:{base.get('PATH', '')}",
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(home / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "NO_COLOR": "1",
    }


def _timestamp(text: str | None) -> datetime | None:
    """A timestamp as Airflow stores it in SQLite (naive UTC text)."""
    if text is None:
        return None
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class AirflowStandalone:
    """``airflow standalone`` in ``home`` on SQLite with the LocalExecutor."""

    def __init__(self, venv: Path, home: Path, base_env: Mapping[str, str]) -> None:
        self.venv = venv
        self.home = home
        self.port = free_port()
        base_url = f"http://localhost:{self.port}"
        self.env = {
            **airflow_env(base_env, home, venv),
            "AIRFLOW__API__PORT": str(self.port),
            "AIRFLOW__API__BASE_URL": base_url,
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{base_url}/execution/",
        }
        self.dags_folder = home / "dags"
        self._launched: Launched | None = None

    def _airflow(self) -> str:
        return str(self.venv / "bin" / "airflow")

    # -- life ----------------------------------------------------------------------------------

    def start(self, timeout: float = 120.0) -> float:
        self.dags_folder.mkdir(parents=True, exist_ok=True)
        self._launched = Launched(
            [self._airflow(), "standalone"], self.env, self.home / "standalone.log"
        )
        try:
            return self._launched.wait_for_health(self.port, timeout)
        except ServerFailed as error:
            self.stop()
            raise ServerFailed(f"`airflow standalone`: {error}") from None

    def stop(self) -> None:
        # Ctrl-C reaches the whole group in a terminal; `standalone` alone may not pass it on.
        if self._launched is not None:
            self._launched.stop([signal.SIGINT, signal.SIGTERM], grace=10)

    @property
    def pid(self) -> int:
        assert self._launched is not None
        return self._launched.pid

    def _check_alive(self) -> None:
        if self._launched is not None and not self._launched.alive():
            raise ServerFailed(f"`airflow standalone` exited:\n{self._launched.log_tail()}")

    # -- the database --------------------------------------------------------------------------

    def _query(self, sql: str, *parameters: str) -> list[tuple[str | None, ...]]:
        database = self.home / "airflow.db"
        if not database.exists():
            return []
        connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=10)
        try:
            return connection.execute(sql, parameters).fetchall()
        except sqlite3.OperationalError:  # the tables are not made yet
            return []
        finally:
            connection.close()

    def wait_for_dag(self, dag_id: str, timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._query(
                "SELECT 1 FROM dag JOIN serialized_dag USING (dag_id)"
                " WHERE dag_id = ? AND NOT is_paused",
                dag_id,
            ):
                return
            self._check_alive()
            time.sleep(0.1)
        raise ServerFailed(f"DAG {dag_id} was not serialized and unpaused in {timeout:.0f} s")

    def trigger(self, dag_id: str) -> str:
        run_id = f"bench_{uuid.uuid4().hex[:12]}"
        result = subprocess.run(
            [self._airflow(), "dags", "trigger", dag_id, "--run-id", run_id],
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
        if result.returncode != 0:
            tail = (result.stdout + result.stderr)[-2000:]
            raise ServerFailed(f"`airflow dags trigger {dag_id}` failed:\n{tail}")
        return run_id

    def wait_for_run(self, dag_id: str, run_id: str, timeout: float = 600.0) -> RunTimes:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self._query(
                "SELECT state, queued_at, end_date FROM dag_run WHERE dag_id = ? AND run_id = ?",
                dag_id,
                run_id,
            )
            if found and found[0][0] in ("success", "failed"):
                state, queued_at, end = found[0]
                rows = self._query(
                    "SELECT task_id, start_date, end_date FROM task_instance"
                    " WHERE dag_id = ? AND run_id = ?",
                    dag_id,
                    run_id,
                )
                tasks = []
                for task_id, start, finish in rows:
                    begun, ended = _timestamp(start), _timestamp(finish)
                    if task_id is not None and begun is not None and ended is not None:
                        tasks.append(TaskTimes(task_id, begun, ended))
                queued, finished = _timestamp(queued_at), _timestamp(end)
                assert state is not None and queued is not None and finished is not None
                return RunTimes(state=state, queued_at=queued, end=finished, tasks=tasks)
            self._check_alive()
            time.sleep(0.2)
        raise ServerFailed(f"run {run_id} of {dag_id} did not finish in {timeout:.0f} s")
