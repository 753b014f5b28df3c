"""Task processes that run several tries, one after the other, when each leaves it clean."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.runtime.test_supervisor import SupervisorProcess, write_dag

from tradewind.contracts.events import TaskEvent
from tradewind.contracts.frames import Kind
from tradewind.contracts.states import TaskInstanceState as S

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="fork and /proc: Linux only")

TASKS = """
@task
def plain():
    return os.getpid()

@task
def leaves_a_thread():
    import threading
    threading.Thread(target=time.sleep, args=(30,), daemon=True).start()

@task
def changes_the_environment():
    os.environ["TW_REUSE_TEST"] = "changed"

@task
def leaves_a_child():
    subprocess.Popen(["sleep", "30"])

@task
def changes_directory():
    os.chdir("/")

@task
def opens_a_file():
    global KEPT
    KEPT = open(__file__)

@task
def fails():
    raise ValueError("no")

@task
def prints(text: str = "mine"):
    print(text)

for make in (plain, leaves_a_thread, changes_the_environment, leaves_a_child,
             changes_directory, opens_a_file, fails, prints):
    make()
"""


@pytest.fixture
def supervisor() -> Iterator[SupervisorProcess]:
    process = SupervisorProcess()
    yield process
    process.close()


def _run(
    supervisor: SupervisorProcess, dag: Path, task_id: str, log: Path
) -> tuple[TaskEvent, int]:
    """Run one try; returns its event and the pid of the process that ran it."""
    supervisor.submit(supervisor.workload(dag, "reuse", task_id), log)
    event, before = supervisor.until_event()
    started = next(m for m in before if m["kind"] == Kind.STARTED)
    assert event.pid == started["pid"]
    return event, started["pid"]


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_a_clean_try_leaves_its_process_to_run_the_next_try_of_the_same_file(
    supervisor: SupervisorProcess, tmp_path: Path
) -> None:
    dag = write_dag(tmp_path, "reuse", TASKS)

    first, first_pid = _run(supervisor, dag, "plain", tmp_path / "plain.log")
    second, second_pid = _run(supervisor, dag, "prints", tmp_path / "prints.log")

    assert first.state is second.state is S.SUCCESS
    assert second_pid == first_pid
    # Each try writes its own log, which holds nothing of the other.
    plain_log = (tmp_path / "plain.log").read_text()
    prints_log = (tmp_path / "prints.log").read_text()
    assert "Running plain" in plain_log and "prints" not in plain_log
    assert "Running prints" in prints_log and "mine" in prints_log
    assert "Running plain" not in prints_log


@pytest.mark.parametrize(
    ("task_id", "reason"),
    [
        ("leaves_a_thread", "threads the try started are still running"),
        ("changes_the_environment", "the try changed the environment"),
        ("leaves_a_child", "processes the try started are still running"),
        ("changes_directory", "the try changed the working directory"),
        ("opens_a_file", "the try left files or sockets open"),
    ],
)
def test_a_try_that_leaves_its_process_changed_ends_it(
    supervisor: SupervisorProcess, tmp_path: Path, task_id: str, reason: str
) -> None:
    dag = write_dag(tmp_path, "reuse", TASKS)

    event, pid = _run(supervisor, dag, task_id, tmp_path / "changed.log")
    _, next_pid = _run(supervisor, dag, "plain", tmp_path / "plain.log")

    assert event.state is S.SUCCESS
    assert next_pid != pid
    assert f"This process runs no further try: {reason}" in (tmp_path / "changed.log").read_text()
    deadline = time.monotonic() + 5
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not _alive(pid), "the changed process was left running"


def test_a_failed_try_ends_its_process(supervisor: SupervisorProcess, tmp_path: Path) -> None:
    dag = write_dag(tmp_path, "reuse", TASKS)

    event, pid = _run(supervisor, dag, "fails", tmp_path / "fails.log")
    _, next_pid = _run(supervisor, dag, "plain", tmp_path / "plain.log")

    assert event.state is S.FAILED
    assert next_pid != pid


def test_a_changed_dag_file_gets_a_new_process(
    supervisor: SupervisorProcess, tmp_path: Path
) -> None:
    dag = write_dag(tmp_path, "reuse", TASKS)
    _, pid = _run(supervisor, dag, "plain", tmp_path / "one.log")
    dag.write_text(dag.read_text() + "\n# edited\n")
    later = time.time() + 5
    os.utime(dag, (later, later))

    _, next_pid = _run(supervisor, dag, "plain", tmp_path / "two.log")

    assert next_pid != pid


def test_one_try_per_process_when_the_setting_says_so(tmp_path: Path) -> None:
    supervisor = SupervisorProcess(args=["--tries-per-process=1"])
    try:
        dag = write_dag(tmp_path, "reuse", TASKS)
        _, pid = _run(supervisor, dag, "plain", tmp_path / "one.log")
        _, next_pid = _run(supervisor, dag, "plain", tmp_path / "two.log")
    finally:
        supervisor.close()

    assert next_pid != pid


def test_an_idle_process_is_retired_and_a_stopping_worker_ends_idle_ones(
    tmp_path: Path,
) -> None:
    supervisor = SupervisorProcess(args=["--idle-timeout=0.3"])
    try:
        dag = write_dag(tmp_path, "reuse", TASKS)
        _, retired = _run(supervisor, dag, "plain", tmp_path / "one.log")
        time.sleep(1.0)
        _, idle = _run(supervisor, dag, "plain", tmp_path / "two.log")
        assert idle != retired and not _alive(retired)
    finally:
        supervisor.close()

    assert supervisor.process.returncode == 0
    assert not _alive(idle)


def test_a_reused_process_can_be_stopped_while_it_runs_a_try(
    supervisor: SupervisorProcess, tmp_path: Path
) -> None:
    dag = write_dag(tmp_path, "reuse", TASKS + "\n@task\ndef long():\n    time.sleep(60)\nlong()\n")
    _, pid = _run(supervisor, dag, "plain", tmp_path / "plain.log")
    workload = supervisor.workload(dag, "reuse", "long")
    supervisor.submit(workload, tmp_path / "long.log")
    while (message := supervisor.receive())["kind"] != Kind.STARTED:
        pass
    assert message["pid"] == pid
    time.sleep(0.2)

    supervisor.channel.send({"kind": Kind.KILL, "key": workload.key, "reason": "marked failed"})
    event, _ = supervisor.until_event()

    assert event.state is S.FAILED
    assert "marked failed" in (tmp_path / "long.log").read_text()
    deadline = time.monotonic() + 5
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not _alive(pid)
