"""The local executor, driving real runs: a warm supervisor, one forked process per try."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from local_harness import Harness, alive, session_members, wait_for_file, write_dag

from tradewind.contracts.log_files import task_log_path
from tradewind.contracts.runs import TaskInstanceKey
from tradewind.executors.local import LocalExecutor

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")


@pytest.fixture(scope="module")
def harness() -> Harness:
    return Harness()


@pytest.fixture(scope="module")
def logs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("logs")


@pytest.fixture(scope="module")
def executor(harness: Harness, logs: Path) -> Iterator[LocalExecutor]:
    executor = harness.executor(logs, heartbeat_interval=0.2, kill_grace=1.0)
    executor.start()
    yield executor
    executor.stop()


def log_of(logs: Path, driver: object, task_id: str, try_number: int = 1) -> Path:
    run = driver.run  # type: ignore[attr-defined]
    return task_log_path(logs, TaskInstanceKey(run.dag_id, run.run_id, task_id, -1, try_number))


def test_a_chain_of_three_tasks_passes_results_through_the_handler(
    harness: Harness, executor: LocalExecutor, tmp_path: Path
) -> None:
    dag = write_dag(
        tmp_path,
        "chain",
        """
@task
def first():
    return {"n": 1}

@task
def second(value):
    return value["n"] + 1

@task
def third(n):
    return [n, n * 10]

third(second(first()))
""",
    )
    driver = harness.drive(executor, harness.create_run(dag, "chain"))

    assert harness.states(driver) == {"first": "success", "second": "success", "third": "success"}
    assert json.loads(harness.xcom(driver, "third") or "null") == [2, 20]


def test_a_task_calling_os_exit_fails_with_its_exit_code_and_the_worker_survives(
    harness: Harness, executor: LocalExecutor, tmp_path: Path
) -> None:
    dag = write_dag(
        tmp_path,
        "crash",
        """
@task
def crash():
    print("about to exit")
    os._exit(3)

@task(trigger_rule="all_done")
def after():
    return "still here"

crash() >> after()
""",
    )
    supervisor = executor.supervisor_pid
    driver = harness.drive(executor, harness.create_run(dag, "crash"))

    assert harness.states(driver) == {"crash": "failed", "after": "success"}
    (error,) = harness.errors(driver, "crash")
    assert error is not None and "exited with code 3" in error
    assert executor.supervisor_pid == supervisor
    assert "about to exit" in log_of(executor.logs_folder, driver, "crash").read_text()


def test_a_task_killed_with_sigkill_is_retried_and_its_error_names_the_signal(
    harness: Harness, executor: LocalExecutor, tmp_path: Path
) -> None:
    pid_file = tmp_path / "victim.pid"
    dag = write_dag(
        tmp_path,
        "victim",
        f"""
@task(retries=1, retry_delay=timedelta(0))
def victim():
    if get_current_context()["ti"].try_number == 1:
        Path({str(pid_file)!r}).write_text(f"{{os.getpid()}}\\n")
        time.sleep(60)
    return "second try"

victim()
""",
    )
    killer = threading.Thread(
        target=lambda: os.kill(int(wait_for_file(pid_file)), signal.SIGKILL), daemon=True
    )
    killer.start()
    driver = harness.drive(executor, harness.create_run(dag, "victim"))
    killer.join()

    assert harness.states(driver) == {"victim": "success"}
    first_error, second_error = harness.errors(driver, "victim")
    assert first_error is not None and "signal SIGKILL (9)" in first_error
    assert second_error is None


def test_a_task_printing_100_mb_finishes_with_its_output_in_its_log_file(
    harness: Harness, executor: LocalExecutor, tmp_path: Path
) -> None:
    dag = write_dag(
        tmp_path,
        "loud",
        """
@task
def loud():
    line = "x" * (1 << 20)
    for _ in range(100):
        print(line)
    print("the end")

loud()
""",
    )
    driver = harness.drive(executor, harness.create_run(dag, "loud"))
    log_file = log_of(executor.logs_folder, driver, "loud")
    try:
        assert harness.states(driver) == {"loud": "success"}
        assert log_file.stat().st_size > 100 * (1 << 20)
        with log_file.open("rb") as file:
            file.seek(-4096, os.SEEK_END)
            assert b"the end" in file.read()
    finally:
        log_file.unlink()


def test_a_task_that_never_ends_fails_at_its_execution_timeout(
    harness: Harness, executor: LocalExecutor, tmp_path: Path
) -> None:
    dag = write_dag(
        tmp_path,
        "forever",
        """
@task(execution_timeout=timedelta(seconds=1))
def forever():
    while True:
        time.sleep(0.05)

forever()
""",
    )
    started = time.monotonic()
    driver = harness.drive(executor, harness.create_run(dag, "forever"))

    assert time.monotonic() - started < 3.5
    assert harness.states(driver) == {"forever": "failed"}
    (error,) = harness.errors(driver, "forever")
    assert error is not None and "execution_timeout" in error


def test_running_tries_heartbeat_through_the_supervisor(
    harness: Harness, executor: LocalExecutor, tmp_path: Path
) -> None:
    dag = write_dag(tmp_path, "slow", "@task\ndef slow():\n    time.sleep(1.5)\n\nslow()\n")
    driver = harness.create_run(dag, "slow")
    heard: list[set[TaskInstanceKey]] = []

    harness.drive(executor, driver, tick=lambda: heard.append(executor.heartbeats()))

    key = TaskInstanceKey("slow", driver.run.run_id, "slow", -1, 1)
    assert sum(key in keys for keys in heard) >= 3


def test_a_changed_dag_file_is_imported_again(
    harness: Harness, executor: LocalExecutor, tmp_path: Path
) -> None:
    body = "@task\ndef version():\n    return {!r}\n\nversion()\n"
    dag = write_dag(tmp_path, "versions", body.format("first"))
    first = harness.drive(executor, harness.create_run(dag, "versions"))
    write_dag(tmp_path, "versions", body.format("second version"))
    later = time.time() + 5
    os.utime(dag, (later, later))
    second = harness.drive(executor, harness.create_run(dag, "versions"))

    assert harness.xcom(first, "version") == '"first"'
    assert harness.xcom(second, "version") == '"second version"'


def test_a_secret_variable_is_masked_in_the_task_log(
    harness: Harness, executor: LocalExecutor, tmp_path: Path
) -> None:
    with harness.lock:
        harness.store.set_variable("db_password", "hunter2-correct-horse")
    dag = write_dag(
        tmp_path,
        "leaky",
        """
@task
def leaky():
    import logging
    secret = get_current_context()["var"].value.db_password
    print("the password is", secret)
    logging.getLogger("user").warning("and again: %s", secret)
    raise ValueError(f"failing with {secret} in the message")

leaky()
""",
    )
    driver = harness.drive(executor, harness.create_run(dag, "leaky"))
    text = log_of(executor.logs_folder, driver, "leaky").read_text()

    assert "hunter2-correct-horse" not in text
    assert "the password is ***" in text
    assert "and again: ***" in text
    assert "failing with *** in the message" in text


def test_sensitive_conf_values_are_masked_in_the_task_log(
    harness: Harness, executor: LocalExecutor, tmp_path: Path
) -> None:
    dag = write_dag(
        tmp_path,
        "conf_leak",
        "@task\ndef show():\n    print(get_current_context()['dag_run'].conf)\n\nshow()\n",
    )
    conf = {"api_token": "tok-0123456789", "region": "north"}
    driver = harness.drive(executor, harness.create_run(dag, "conf_leak", conf=conf))
    text = log_of(executor.logs_folder, driver, "show").read_text()

    assert "tok-0123456789" not in text
    assert "'api_token': '***'" in text and "north" in text


def test_no_more_tries_run_at_once_than_the_parallelism(harness: Harness, tmp_path: Path) -> None:
    times = tmp_path / "times.jsonl"
    dag = write_dag(
        tmp_path,
        "wide",
        f"""
@task
def nap(i):
    start = time.time()
    time.sleep(0.5)
    with open({str(times)!r}, "a") as f:
        f.write(f"[{{start}}, {{time.time()}}]\\n")

for i in range(4):
    nap.override(task_id=f"nap{{i}}")(i)
""",
    )
    executor = harness.executor(tmp_path / "logs", parallelism=2)
    executor.start()
    try:
        started = time.monotonic()
        driver = harness.drive(executor, harness.create_run(dag, "wide"))
        elapsed = time.monotonic() - started
    finally:
        executor.stop()

    assert set(harness.states(driver).values()) == {"success"}
    spans = [json.loads(line) for line in times.read_text().splitlines()]
    most = max(sum(1 for s, e in spans if s <= moment < e) for moment, _ in spans)
    assert most == 2
    assert elapsed >= 1.0


def test_stop_leaves_no_process_behind(harness: Harness, tmp_path: Path) -> None:
    dag = write_dag(
        tmp_path,
        "stubborn",
        f"""
@task
def stubborn(i):
    child = subprocess.Popen(["sleep", "60"])
    Path({str(tmp_path)!r}, f"pids{{i}}").write_text(f"{{os.getpid()}} {{child.pid}}\\n")
    time.sleep(60)

for i in range(2):
    stubborn.override(task_id=f"stubborn{{i}}")(i)
""",
    )
    executor = harness.executor(tmp_path / "logs", stop_grace=1.0)
    executor.start()
    supervisor = executor.supervisor_pid
    assert supervisor is not None
    driver = harness.create_run(dag, "stubborn")
    with harness.lock:
        for ti in driver.plan(datetime.now(UTC)).ready:
            executor.submit(driver.workload(ti, datetime.now(UTC)))
    pids = [int(p) for i in range(2) for p in wait_for_file(tmp_path / f"pids{i}").split()]

    executor.stop()

    assert not alive(supervisor)
    assert [pid for pid in pids if alive(pid)] == []
    assert session_members(supervisor) == []
    events = executor.events()
    assert {e.key.task_id for e in events} == {"stubborn0", "stubborn1"}
    assert all("terminated" in (e.error or "") for e in events)


def test_a_dead_supervisor_fails_its_tries_and_is_replaced(
    harness: Harness, tmp_path: Path
) -> None:
    pid_file = tmp_path / "sleeper.pid"
    dag = write_dag(
        tmp_path,
        "orphaned",
        f"""
@task
def sleeper():
    Path({str(pid_file)!r}).write_text(f"{{os.getpid()}}\\n")
    time.sleep(60)

@task(trigger_rule="all_done")
def after():
    return "ran on the new supervisor"

sleeper() >> after()
""",
    )
    executor = harness.executor(tmp_path / "logs")
    executor.start()
    try:
        first = executor.supervisor_pid
        assert first is not None

        def kill_supervisor() -> None:
            task_pid = int(wait_for_file(pid_file))
            os.kill(first, signal.SIGKILL)
            deadline = time.monotonic() + 5
            while alive(task_pid) and time.monotonic() < deadline:
                time.sleep(0.02)

        killer = threading.Thread(target=kill_supervisor, daemon=True)
        killer.start()
        driver = harness.drive(executor, harness.create_run(dag, "orphaned"))
        killer.join()
        task_pid = int(pid_file.read_text())

        assert harness.states(driver) == {"sleeper": "failed", "after": "success"}
        (error,) = harness.errors(driver, "sleeper")
        assert error is not None and "killed by signal SIGKILL" in error
        assert executor.supervisor_pid not in (None, first)
        assert not alive(task_pid)
    finally:
        executor.stop()


def test_waiting_tries_start_highest_priority_first(harness: Harness, tmp_path: Path) -> None:
    dag = write_dag(
        tmp_path,
        "ranked",
        """
@task
def gate():
    time.sleep(0.3)

for name in ("low", "high", "middle"):
    task(lambda: None, task_id=name)()
gate()
""",
    )
    executor = harness.executor(tmp_path / "logs", parallelism=1)
    executor.start()
    try:
        driver = harness.create_run(dag, "ranked")
        priorities = {"gate": 100, "low": 1, "high": 9, "middle": 5}
        with harness.lock:
            now = datetime.now(UTC)
            by_id = {ti.task_id: ti for ti in driver.plan(now).ready}
            for ti in (by_id[task_id] for task_id in ("gate", "low", "high", "middle")):
                workload = driver.workload(ti, now)
                executor.submit(replace(workload, priority=priorities[ti.task_id]))
        order: list[str] = []
        deadline = time.monotonic() + 10
        while len(order) < 4 and time.monotonic() < deadline:
            harness.woke.wait(0.1)
            harness.woke.clear()
            order += [event.key.task_id for event in executor.events()]
    finally:
        executor.stop()

    assert order == ["gate", "high", "middle", "low"]
