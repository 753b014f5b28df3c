"""The supervisor process, spoken to directly over its socket, and its DAG file cache."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tradewind.contracts.events import TaskEvent
from tradewind.contracts.frames import Kind, error_to_wire, from_wire
from tradewind.contracts.runs import DagRunType
from tradewind.contracts.states import TaskInstanceState as S
from tradewind.contracts.workloads import ExecuteTask
from tradewind.core.dagrun import DagRunDriver
from tradewind.core.execution_service import StoreExecutionService
from tradewind.runtime.comms import Channel
from tradewind.runtime.dag_cache import DagFileCache
from tradewind.runtime.loader import load_dag_file
from tradewind.sdk.serialization import serialize_dag
from tradewind.storage.memory import MemoryStore

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="fork and /proc: Linux only")

DAG_HEADER = """\
import os, subprocess, sys, time
from datetime import datetime, timedelta
from tradewind import DAG, task

with DAG({dag_id!r}, schedule=None):
"""


def write_dag(folder: Path, dag_id: str, body: str) -> Path:
    path = folder / f"{dag_id}.py"
    indented = "".join(f"    {line}\n" for line in body.strip().splitlines())
    path.write_text(DAG_HEADER.format(dag_id=dag_id) + indented)
    return path


class SupervisorProcess:
    """A supervisor started as the local executor starts it, and a store answering it."""

    def __init__(
        self, *, kill_grace: float = 1.0, heartbeat_interval: float = 0.2, args: Sequence[str] = ()
    ) -> None:
        ours, theirs = socket.socketpair()
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tradewind.runtime.supervisor",
                f"--fd={theirs.fileno()}",
                f"--kill-grace={kill_grace}",
                f"--heartbeat-interval={heartbeat_interval}",
                *args,
            ],
            pass_fds=(theirs.fileno(),),
            start_new_session=True,
        )
        theirs.close()
        self.sock = ours
        self.channel = Channel(ours)
        self.store = MemoryStore()
        self.service = StoreExecutionService(self.store)
        self.ready = self.receive()

    def receive(self, timeout: float = 10.0) -> dict[str, Any]:
        self.sock.settimeout(timeout)
        message = self.channel.receive()
        assert message is not None, "the supervisor closed its socket"
        return {k: from_wire(v) for k, v in message.items()}

    def workload(self, dag_file: Path, dag_id: str, task_id: str) -> ExecuteTask:
        spec = serialize_dag(load_dag_file(dag_file).dags[dag_id])
        now = datetime.now(UTC)
        driver = DagRunDriver.create(
            spec,
            self.store,
            run_id=f"manual__{time.monotonic_ns()}",
            run_type=DagRunType.MANUAL,
            logical_date=now,
            data_interval=(now, now),
            run_after=now,
            now=now,
        )
        ti = next(ti for ti in driver.plan(now).ready if ti.task_id == task_id)
        return driver.workload(ti, now)

    def submit(self, workload: ExecuteTask, log_path: Path) -> None:
        self.channel.send({"kind": Kind.WORKLOAD, "workload": workload, "log_path": str(log_path)})

    def until_event(self, timeout: float = 10.0) -> tuple[TaskEvent, list[dict[str, Any]]]:
        """Answer requests until an event arrives; returns it and what came before it."""
        seen: list[dict[str, Any]] = []
        deadline = time.monotonic() + timeout
        while True:
            message = self.receive(max(0.01, deadline - time.monotonic()))
            if message["kind"] == Kind.EVENT:
                return message["event"], seen
            seen.append(message)
            if message["kind"] == Kind.REQUEST:
                self.answer(message)

    def answer(self, request: dict[str, Any]) -> None:
        response: dict[str, Any] = {"kind": Kind.RESPONSE, "id": request["id"]}
        try:
            result = getattr(self.service, request["method"])(**request["kwargs"])
            self.channel.send({**response, "ok": True, "result": result})
        except Exception as error:
            self.channel.send({**response, "ok": False, "error": error_to_wire(error)})

    def close(self) -> None:
        self.sock.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def supervisor() -> Iterator[SupervisorProcess]:
    process = SupervisorProcess()
    yield process
    process.close()


def test_the_supervisor_says_it_is_ready_with_its_pid(supervisor: SupervisorProcess) -> None:
    assert supervisor.ready == {"kind": "ready", "pid": supervisor.process.pid}


def test_a_try_is_started_relayed_and_reported(
    supervisor: SupervisorProcess, tmp_path: Path
) -> None:
    dag = write_dag(tmp_path, "one", "@task\ndef answer():\n    return 42\nanswer()")
    workload = supervisor.workload(dag, "one", "answer")

    supervisor.submit(workload, tmp_path / "answer.log")
    event, before = supervisor.until_event()

    started = before[0]
    assert started["kind"] == Kind.STARTED and started["key"] == workload.key
    # The workload carries the run, so the task only asks to store its result.
    assert {m["method"] for m in before if m["kind"] == Kind.REQUEST} == {"set_xcom"}
    assert event.key == workload.key and event.state is S.SUCCESS
    assert event.pid == started["pid"] != supervisor.process.pid


def test_a_workload_without_the_run_makes_the_task_ask_for_it(
    supervisor: SupervisorProcess, tmp_path: Path
) -> None:
    dag = write_dag(tmp_path, "asks", "@task\ndef answer():\n    return 42\nanswer()")
    workload = replace(supervisor.workload(dag, "asks", "answer"), run=None)

    supervisor.submit(workload, tmp_path / "asks.log")
    event, before = supervisor.until_event()

    assert "get_run_info" in {m["method"] for m in before if m["kind"] == Kind.REQUEST}
    assert event.state is S.SUCCESS


def test_output_written_straight_to_the_file_descriptors_lands_in_the_log(
    supervisor: SupervisorProcess, tmp_path: Path
) -> None:
    dag = write_dag(
        tmp_path,
        "raw",
        """
@task
def raw():
    os.write(1, b"written to fd 1\\n")
    os.write(2, b"written to fd 2\\n")
    subprocess.run(["echo", "from a subprocess"], check=True)
raw()
""",
    )
    supervisor.submit(supervisor.workload(dag, "raw", "raw"), tmp_path / "raw.log")
    event, _ = supervisor.until_event()

    text = (tmp_path / "raw.log").read_text()
    assert event.state is S.SUCCESS
    for line in ("written to fd 1", "written to fd 2", "from a subprocess"):
        assert line in text


def test_a_task_that_swallows_its_timeout_is_killed_after_the_grace_period(
    supervisor: SupervisorProcess, tmp_path: Path
) -> None:
    dag = write_dag(
        tmp_path,
        "stubborn",
        """
@task(execution_timeout=timedelta(seconds=0.5))
def stubborn():
    while True:
        try:
            time.sleep(0.05)
        except Exception:
            print("ignoring", flush=True)
stubborn()
""",
    )
    supervisor.submit(supervisor.workload(dag, "stubborn", "stubborn"), tmp_path / "s.log")
    started = time.monotonic()
    event, _ = supervisor.until_event()

    assert 1.4 < time.monotonic() - started < 4
    assert event.state is S.FAILED
    assert event.error is not None and "did not stop" in event.error
    assert "did not stop" in (tmp_path / "s.log").read_text()


def test_a_dag_file_that_fails_to_import_fails_the_try_with_the_import_error(
    supervisor: SupervisorProcess, tmp_path: Path
) -> None:
    dag = write_dag(tmp_path, "fragile", "@task\ndef t():\n    pass\nt()")
    workload = supervisor.workload(dag, "fragile", "t")
    dag.write_text("raise RuntimeError('the file broke')\n")

    supervisor.submit(workload, tmp_path / "t.log")
    event, _ = supervisor.until_event()

    assert event.state is S.FAILED and event.pid is None
    assert event.error is not None and "the file broke" in event.error
    assert "the file broke" in (tmp_path / "t.log").read_text()


def test_running_tries_heartbeat(supervisor: SupervisorProcess, tmp_path: Path) -> None:
    dag = write_dag(tmp_path, "nap", "@task\ndef nap():\n    time.sleep(0.8)\nnap()")
    workload = supervisor.workload(dag, "nap", "nap")

    supervisor.submit(workload, tmp_path / "nap.log")
    _, before = supervisor.until_event()

    beats = [m["keys"] for m in before if m["kind"] == Kind.HEARTBEAT]
    assert len(beats) >= 2 and all(keys == [workload.key] for keys in beats)


def test_closing_the_executor_socket_stops_every_task_process_and_the_supervisor(
    supervisor: SupervisorProcess, tmp_path: Path
) -> None:
    dag = write_dag(tmp_path, "long", "@task\ndef long():\n    time.sleep(60)\nlong()")
    supervisor.submit(supervisor.workload(dag, "long", "long"), tmp_path / "long.log")
    started = supervisor.receive()
    assert started["kind"] == Kind.STARTED

    supervisor.sock.close()

    assert supervisor.process.wait(timeout=5) == 0
    assert not Path(f"/proc/{started['pid']}").exists()


def test_stop_terminates_running_tries_and_reports_them(
    supervisor: SupervisorProcess, tmp_path: Path
) -> None:
    dag = write_dag(tmp_path, "long", "@task\ndef long():\n    time.sleep(60)\nlong()")
    supervisor.submit(supervisor.workload(dag, "long", "long"), tmp_path / "long.log")
    while supervisor.receive()["kind"] != Kind.STARTED:
        pass
    time.sleep(0.2)  # let the task reach its sleep

    supervisor.channel.send({"kind": Kind.STOP, "grace": 2.0})
    event, _ = supervisor.until_event()

    assert event.state is S.FAILED
    assert event.error is not None and "terminated" in event.error
    assert supervisor.receive()["kind"] == Kind.STOPPED
    assert supervisor.process.wait(timeout=5) == 0


# -- the DAG file cache ------------------------------------------------------------------------


def test_a_dag_file_is_imported_once_per_version(tmp_path: Path) -> None:
    dag = write_dag(tmp_path, "cached", "@task\ndef t():\n    pass\nt()")
    cache = DagFileCache(import_timeout=10)

    first = cache.get(str(dag))
    assert cache.get(str(dag)) is first
    dag.write_text(dag.read_text() + "\n# edited\n")
    later = time.time() + 5
    os.utime(dag, (later, later))

    assert cache.get(str(dag)) is not first
    assert cache.imports == 2


def test_a_changed_helper_module_reloads_the_dag_files(tmp_path: Path) -> None:
    helper = tmp_path / "tw_cache_helper_mod.py"
    helper.write_text("VALUE = 'old'\n")
    dag = tmp_path / "uses_helper.py"
    dag.write_text(
        "from tradewind import DAG\nimport tw_cache_helper_mod\n"
        "with DAG('uses_helper', schedule=None, doc_md=tw_cache_helper_mod.VALUE):\n    pass\n"
    )
    cache = DagFileCache(import_timeout=10)
    try:
        assert cache.get(str(dag)).dags["uses_helper"].doc_md == "old"
        helper.write_text("VALUE = 'new!'\n")
        later = time.time() + 5
        os.utime(helper, (later, later))

        assert cache.get(str(dag)).dags["uses_helper"].doc_md == "new!"
    finally:
        sys.modules.pop("tw_cache_helper_mod", None)
