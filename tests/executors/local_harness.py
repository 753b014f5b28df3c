"""Driving real DAG runs through a LocalExecutor: a store, a request handler and a run loop."""

from __future__ import annotations

import textwrap
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tradewind.contracts.runs import DagRunType
from tradewind.contracts.states import TERMINAL_RUN_STATES
from tradewind.contracts.states import TaskInstanceState as S
from tradewind.core.dagrun import DagRunDriver
from tradewind.core.execution_service import StoreExecutionService
from tradewind.executors.local import LocalExecutor, service_handler
from tradewind.runtime.loader import load_dag_file
from tradewind.sdk.serialization import serialize_dag
from tradewind.storage.memory import MemoryStore

HEADER = """\
import os, subprocess, sys, time
from datetime import datetime, timedelta
from pathlib import Path
from tradewind import DAG, get_current_context, task
"""


def write_dag(folder: Path, dag_id: str, body: str, **dag_kwargs: Any) -> Path:
    """A DAG file whose ``with DAG(dag_id)`` block holds ``body``."""
    args = "".join(f", {k}={v}" for k, v in dag_kwargs.items())
    path = folder / f"{dag_id}.py"
    path.write_text(
        f"{HEADER}\nwith DAG({dag_id!r}, schedule=None{args}):\n{textwrap.indent(body, '    ')}\n"
    )
    return path


class Harness:
    """A memory store, its execution service behind one lock, and a wake-up event."""

    def __init__(self) -> None:
        self.store = MemoryStore()
        self.lock = threading.Lock()
        self.woke = threading.Event()
        self._serve = service_handler(StoreExecutionService(self.store))

    def handle(self, method: str, kwargs: dict[str, Any]) -> Any:
        with self.lock:  # called from the executor's reader thread
            return self._serve(method, kwargs)

    def executor(self, logs: Path, **options: Any) -> LocalExecutor:
        options.setdefault("parallelism", 4)
        return LocalExecutor(
            request_handler=self.handle, logs_folder=logs, wake=self.woke.set, **options
        )

    def create_run(
        self, dag_file: Path, dag_id: str, conf: dict[str, Any] | None = None
    ) -> DagRunDriver:
        spec = serialize_dag(load_dag_file(dag_file).dags[dag_id])
        now = datetime.now(UTC)
        with self.lock:
            driver = DagRunDriver.create(
                spec,
                self.store,
                run_id=f"manual__{time.monotonic_ns()}",
                run_type=DagRunType.MANUAL,
                logical_date=now,
                data_interval=(now, now),
                run_after=now,
                conf=conf,
                now=now,
            )
            driver.start(now)
        return driver

    def drive(
        self,
        executor: LocalExecutor,
        driver: DagRunDriver,
        *,
        timeout: float = 20.0,
        tick: Callable[[], None] = lambda: None,
    ) -> DagRunDriver:
        """Submit ready tries and apply their events until the run finishes."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            now = datetime.now(UTC)
            with self.lock:
                plan = driver.plan(now)
                for ti in plan.ready:
                    if ti.state is S.SCHEDULED:
                        workload = driver.workload(ti, now)
                        driver.mark_running(workload.key, now)
                        executor.submit(workload)
                if not plan.ready and driver.update_state(now, plan) in TERMINAL_RUN_STATES:
                    return driver
            self.woke.wait(0.1)
            self.woke.clear()
            tick()
            for event in executor.events():
                if event.key.run_id == driver.run.run_id:
                    with self.lock:
                        driver.apply_event(event, datetime.now(UTC))
        raise AssertionError(f"The run did not finish in {timeout} s: {self.states(driver)}")

    def states(self, driver: DagRunDriver) -> dict[str, str | None]:
        with self.lock:
            return {ti.task_id: ti.state and str(ti.state) for ti in driver.task_instances()}

    def errors(self, driver: DagRunDriver, task_id: str) -> list[str | None]:
        with self.lock:
            return [
                t.error
                for t in self.store.list_tries(driver.run.dag_id, driver.run.run_id, task_id)
            ]

    def xcom(self, driver: DagRunDriver, task_id: str) -> str | None:
        with self.lock:
            return self.store.get_xcom(
                driver.run.dag_id, driver.run.run_id, task_id, -1, "return_value"
            )


def wait_for_file(path: Path, timeout: float = 10.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and (text := path.read_text()).endswith("\n"):
            return text
        time.sleep(0.02)
    raise AssertionError(f"{path} did not appear")


def alive(pid: int) -> bool:
    """Whether ``pid`` is a live process (a zombie waiting for its reaper counts as dead)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"


def session_members(sid: int) -> list[int]:
    """Live processes of session ``sid`` (the supervisor leads one, task processes stay in it)."""
    members = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rpartition(")")[2].split()
            except OSError:
                continue
            if int(fields[3]) == sid and fields[0] != "Z":
                members.append(int(entry.name))
    return members
