"""What the scheduler does to running tries whose state changed elsewhere, and DAG callbacks.

Through the real scheduler and local executor: a try marked, cleared, skipped by its run's
timeout or failed as a zombie has its process stopped (and its late result ignored); a DAG's
``on_success_callback`` / ``on_failure_callback`` run once per ended run, in a process of
their own, and a callback that crashes its process leaves the worker serving.
"""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import pytest
from tests.server.scheduler_harness import (
    SchedulerHarness,
    alive,
    module_schedulers,
    wait_for_pid_file,
)

from tradewind.contracts.log_files import callbacks_log_path, task_log_path
from tradewind.contracts.runs import TaskInstanceKey
from tradewind.contracts.states import DagRunState
from tradewind.contracts.states import TaskInstanceState as S
from tradewind.server import run_operations
from tradewind.server.specs import SpecCache

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")

HEADER = """\
import json, os, time
from datetime import datetime, timedelta
from pathlib import Path
from tradewind import DAG, task

START = datetime(2024, 1, 1)
OUT = Path({out!r})


def record(context):
    run = context["dag_run"]
    line = {{"dag_id": run.dag_id, "run_id": run.run_id, "reason": context["reason"],
             "conf": run.conf, "pid": os.getpid()}}
    with open(OUT / (run.dag_id + ".callbacks"), "a") as file:
        file.write(json.dumps(line) + "\\n")


def crash(context):
    os._exit(3)


def sleeper(name):
    @task(task_id=name)
    def sleep_here():
        Path(OUT / name).write_text(f"{{os.getpid()}}\\n")
        time.sleep(60)
    return sleep_here()
"""

DAGS = {
    "marked.py": """
with DAG("marked", schedule=None, start_date=START):
    sleeper("sleepy")
""",
    "cleared.py": """
with DAG("cleared", schedule=None, start_date=START):
    @task
    def first_or_quick():
        from tradewind import get_current_context
        if get_current_context()["ti"].try_number == 1:
            Path(OUT / "cleared").write_text(f"{os.getpid()}\\n")
            time.sleep(60)
        return "second try"

    first_or_quick()
""",
    "run_timeout.py": """
with DAG("run_timeout", schedule=None, start_date=START, dagrun_timeout=timedelta(seconds=1),
         on_failure_callback=record):
    sleeper("dawdle")
""",
    "zombie.py": """
with DAG("zombie", schedule=None, start_date=START):
    sleeper("stuck")
""",
    "called_back.py": """
with DAG("called_back", schedule=None, start_date=START,
         on_success_callback=[record, record], on_failure_callback=record):
    @task
    def fine():
        return 1

    fine()
""",
    "failing_back.py": """
with DAG("failing_back", schedule=None, start_date=START, on_success_callback=record,
         on_failure_callback=record):
    @task
    def boom():
        raise ValueError("no")

    boom()
""",
    "plain.py": """
with DAG("plain", schedule=None, start_date=START):
    @task
    def fine():
        return 1

    fine()
""",
    "crashing_back.py": """
with DAG("crashing_back", schedule=None, start_date=START, on_success_callback=crash):
    @task
    def fine():
        return 1

    fine()
""",
}


def _build(home: Path, database_url: str) -> SchedulerHarness:
    out = home / "out"
    out.mkdir(parents=True)
    harness = SchedulerHarness(home, database_url=database_url, zombie_timeout=1.0)
    harness.write_dags({name: HEADER.format(out=str(out)) + body for name, body in DAGS.items()})
    return harness


sqlite_scheduler, postgres_scheduler, scheduler = module_schedulers(_build, "stopping")


def _gone(harness: SchedulerHarness, pid: int) -> None:
    harness.wait_until(f"process {pid} to end", lambda: not alive(pid), timeout=10)


def _log(harness: SchedulerHarness, dag_id: str, run_id: str, task_id: str) -> str:
    key = TaskInstanceKey(dag_id, run_id, task_id, -1, 1)
    return task_log_path(harness.home / "logs", key).read_text()


def _callbacks(harness: SchedulerHarness, dag_id: str, count: int) -> list[dict[str, object]]:
    path = harness.home / "out" / f"{dag_id}.callbacks"

    def lines() -> list[dict[str, object]]:
        text = path.read_text() if path.exists() else ""
        found = [json.loads(line) for line in text.splitlines()]
        return found if len(found) >= count else []

    return harness.wait_until(f"{count} callback(s) of {dag_id}", lines, timeout=15)


def test_marking_a_running_task_failed_stops_its_process(scheduler: SchedulerHarness) -> None:
    run_id = scheduler.trigger("marked")
    pid = wait_for_pid_file(scheduler.home / "out" / "sleepy")
    (scheduler.home / "out" / "sleepy").unlink()

    with scheduler.sessions() as session:
        run_operations.set_task_instance_state(
            session, SpecCache(), "marked", run_id, ["sleepy"], state=S.FAILED
        )
        session.commit()

    _gone(scheduler, pid)
    run = scheduler.wait("marked", run_id)
    assert run.state is DagRunState.FAILED
    assert scheduler.states("marked", run_id) == {"sleepy": "failed"}
    assert "Tradewind stopped this try: its task instance was set to failed" in _log(
        scheduler, "marked", run_id, "sleepy"
    )


def test_clearing_a_running_task_stops_the_old_try_and_runs_a_new_one(
    sqlite_scheduler: SchedulerHarness,
) -> None:
    run_id = sqlite_scheduler.trigger("cleared")
    pid = wait_for_pid_file(sqlite_scheduler.home / "out" / "cleared")

    with sqlite_scheduler.sessions() as session:
        run_operations.clear_task_instances(
            session, SpecCache(), "cleared", run_id, ["first_or_quick"]
        )
        session.commit()
    sqlite_scheduler.scheduler.wake_for_runs()

    _gone(sqlite_scheduler, pid)
    run = sqlite_scheduler.wait("cleared", run_id)
    assert run.state is DagRunState.SUCCESS
    assert sqlite_scheduler.xcom("cleared", run_id, "first_or_quick") == "second try"
    assert "its task instance was cleared, to run again" in _log(
        sqlite_scheduler, "cleared", run_id, "first_or_quick"
    )


def test_a_run_timeout_stops_its_running_tasks_and_calls_the_failure_callback(
    sqlite_scheduler: SchedulerHarness,
) -> None:
    run_id = sqlite_scheduler.trigger("run_timeout")
    pid = wait_for_pid_file(sqlite_scheduler.home / "out" / "dawdle")

    run = sqlite_scheduler.wait("run_timeout", run_id)

    assert run.state is DagRunState.FAILED
    _gone(sqlite_scheduler, pid)
    assert sqlite_scheduler.states("run_timeout", run_id) == {"dawdle": "skipped"}
    [called] = _callbacks(sqlite_scheduler, "run_timeout", 1)
    assert called["run_id"] == run_id
    assert "dagrun_timeout of 1 s exceeded" in str(called["reason"])


def test_a_stopped_zombie_process_is_killed_when_its_try_is_failed(
    sqlite_scheduler: SchedulerHarness,
) -> None:
    run_id = sqlite_scheduler.trigger("zombie")
    pid = wait_for_pid_file(sqlite_scheduler.home / "out" / "stuck")

    os.kill(pid, signal.SIGSTOP)
    try:
        run = sqlite_scheduler.wait("zombie", run_id)
        _gone(sqlite_scheduler, pid)
    finally:
        if alive(pid):
            os.kill(pid, signal.SIGKILL)

    assert run.state is DagRunState.FAILED
    [attempt] = sqlite_scheduler.tries("zombie", run_id, "stuck")
    assert "Zombie" in (attempt.error or "")


def test_dag_callbacks_run_once_each_after_the_run_ends(scheduler: SchedulerHarness) -> None:
    ok = scheduler.trigger("called_back", conf={"size": 3})
    bad = scheduler.trigger("failing_back")

    assert scheduler.wait("called_back", ok).state is DagRunState.SUCCESS
    assert scheduler.wait("failing_back", bad).state is DagRunState.FAILED

    # Both success callbacks, once each, in one process that is not the scheduler's.
    first, second = _callbacks(scheduler, "called_back", 2)
    assert first["run_id"] == second["run_id"] == ok
    assert first["conf"] == {"size": 3}
    assert first["pid"] == second["pid"] != os.getpid()
    [failed] = _callbacks(scheduler, "failing_back", 1)
    assert failed["run_id"] == bad
    log = callbacks_log_path(scheduler.home / "logs", "failing_back", bad).read_text()
    assert "Calling on_failure_callback of DAG failing_back" in log


def test_a_callback_that_kills_its_process_leaves_the_worker_serving(
    sqlite_scheduler: SchedulerHarness,
) -> None:
    supervisor = sqlite_scheduler.scheduler.executor.supervisor_pid  # type: ignore[attr-defined]
    crashed = sqlite_scheduler.trigger("crashing_back")
    assert sqlite_scheduler.wait("crashing_back", crashed).state is DagRunState.SUCCESS

    log = callbacks_log_path(sqlite_scheduler.home / "logs", "crashing_back", crashed)
    sqlite_scheduler.wait_until("the callbacks' log", log.exists, timeout=10)
    after = sqlite_scheduler.trigger("plain")
    assert sqlite_scheduler.wait("plain", after).state is DagRunState.SUCCESS
    assert sqlite_scheduler.scheduler.executor.supervisor_pid == supervisor  # type: ignore[attr-defined]
