"""Runs through the real scheduler and local executor: every try in a forked process.

One scheduler per database serves the whole module (its start-up, a warm supervisor and a
DAG parse, is paid once): the DAG files below are recorded when it starts, and each test
triggers its own DAG and reads what happened from the database. Concurrency is judged from
the recorded start and end dates. A few tests run on PostgreSQL too.
"""

from __future__ import annotations

import itertools
import os
import signal
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from tests.server.scheduler_harness import (
    SchedulerHarness,
    max_overlap,
    module_schedulers,
    wait_for_pid_file,
)

from tradewind.contracts.states import DagRunState
from tradewind.contracts.states import TaskInstanceState as S

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")

HEADER = """\
import os, time
from datetime import datetime, timedelta
from pathlib import Path
from tradewind import DAG, get_current_context, task
from tradewind.operators.python import PythonOperator

START = datetime(2024, 1, 1)


def noop():
    return None


def nap(seconds):
    time.sleep(seconds)
"""

#: The first day of the catchup DAG's schedule: three days before today.
CATCHUP_START = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(
    days=3
)


def dag_files(pids: Path) -> dict[str, str]:
    """Every DAG of this module (``pids``: where tasks write their process ids)."""
    files = {
        "chain.py": """
with DAG("chain", schedule=None, start_date=START):
    previous = None
    for i in range(10):
        current = PythonOperator(task_id=f"t{i}", python_callable=noop)
        if previous is not None:
            previous >> current
        previous = current
""",
        "fanout.py": """
with DAG("fanout", schedule=None, start_date=START):
    start = PythonOperator(task_id="start", python_callable=noop)
    join = PythonOperator(task_id="join", python_callable=noop)
    for i in range(30):
        start >> PythonOperator(task_id=f"t{i}", python_callable=noop) >> join
""",
        "xcom_flow.py": """
with DAG("xcom_flow", schedule=None, start_date=START):
    @task
    def numbers():
        return [1, 2, 3]

    @task
    def total(values):
        return sum(values)

    @task
    def report(n):
        conf = get_current_context()["dag_run"].conf
        return f"{conf.get('label', '?')}: {n}"

    report(total(numbers()))
""",
        "retrying.py": """
with DAG("retrying", schedule=None, start_date=START):
    @task(retries=3, retry_delay=timedelta(seconds=0.2), retry_exponential_backoff=True,
          max_retry_delay=timedelta(seconds=10))
    def flaky():
        if get_current_context()["ti"].try_number < 4:
            raise RuntimeError("not yet")
        return "done"

    flaky()
""",
        "timing_out.py": """
with DAG("timing_out", schedule=None, start_date=START):
    PythonOperator(
        task_id="slow", python_callable=nap, op_args=[30],
        execution_timeout=timedelta(seconds=0.5),
    )
""",
        "run_timeout.py": """
def dawdle():
    for _ in range(40):
        time.sleep(0.1)

with DAG("run_timeout", schedule=None, start_date=START, dagrun_timeout=timedelta(seconds=1)):
    PythonOperator(task_id="dawdle", python_callable=dawdle)
""",
        "pooled.py": """
with DAG("pooled", schedule=None, start_date=START):
    for i in range(6):
        PythonOperator(task_id=f"p{i}", python_callable=nap, op_args=[0.3], pool="two_slots")
""",
        "prioritized.py": """
with DAG("prioritized", schedule=None, start_date=START):
    for weight in (1, 3, 2, 4):
        PythonOperator(
            task_id=f"w{weight}", python_callable=nap, op_args=[0.05], pool="one_slot",
            priority_weight=weight,
        )
""",
        "narrow.py": """
with DAG("narrow", schedule=None, start_date=START, max_active_tasks=2):
    for i in range(6):
        PythonOperator(task_id=f"n{i}", python_callable=nap, op_args=[0.3])
""",
        "one_at_a_time.py": """
with DAG("one_at_a_time", schedule=None, start_date=START, max_active_runs=1):
    PythonOperator(task_id="work", python_callable=nap, op_args=[0.3])
""",
        "daily.py": f"""
with DAG("daily", schedule="@daily", start_date=datetime.fromisoformat("{CATCHUP_START.isoformat()}"),
         catchup=True, max_active_runs=1):
    PythonOperator(task_id="extract", python_callable=noop) >> PythonOperator(
        task_id="load", python_callable=noop)
""",
    }
    files["semantics.py"] = """
from tradewind.operators.python import BranchPythonOperator


def fail():
    raise ValueError("planned failure")


with DAG("cascade", schedule=None, start_date=START):
    chain = [PythonOperator(task_id="a", python_callable=fail)]
    for name in ("b", "c", "d"):
        chain.append(PythonOperator(task_id=name, python_callable=noop))
        chain[-2] >> chain[-1]
    chain[-1] >> PythonOperator(task_id="cleanup", python_callable=noop, trigger_rule="all_done")

with DAG("branching", schedule=None, start_date=START):
    branch = BranchPythonOperator(task_id="branch", python_callable=lambda: "left")
    join = PythonOperator(
        task_id="join", python_callable=noop, trigger_rule="none_failed_min_one_success"
    )
    for side in ("left", "right"):
        step = PythonOperator(task_id=side, python_callable=noop)
        after = PythonOperator(task_id=f"after_{side}", python_callable=noop)
        branch >> step >> after >> join

with DAG("mapped", schedule=None, start_date=START):
    @task
    def numbers():
        return [1, 2, 3]

    @task
    def double(x):
        return 2 * x

    @task
    def total(values):
        return sum(values)

    total(double.expand(x=numbers()))

with DAG("pausable", schedule=None, start_date=START):
    PythonOperator(task_id="first", python_callable=nap, op_args=[0.5]) >> PythonOperator(
        task_id="second", python_callable=noop
    )

with DAG("fanin_failure", schedule=None, start_date=START):
    start = PythonOperator(task_id="start", python_callable=noop)
    join = PythonOperator(task_id="join", python_callable=noop)
    start >> PythonOperator(task_id="bad", python_callable=fail) >> join
    for i in range(6):
        start >> PythonOperator(task_id=f"slow{i}", python_callable=nap, op_args=[1.0]) >> join
"""
    for name in ("zombie", "killed"):
        files[f"{name}.py"] = f"""
with DAG("{name}", schedule=None, start_date=START):
    @task(retries=1, retry_delay=timedelta(0))
    def hang():
        if get_current_context()["ti"].try_number == 1:
            Path("{pids}/{name}").write_text(f"{{os.getpid()}}\\n")
            time.sleep(60)
        return "second try"

    hang()
"""
    return {name: HEADER + source for name, source in files.items()}


def _build(home: Path, database_url: str) -> SchedulerHarness:
    (home / "pids").mkdir(parents=True)
    harness = SchedulerHarness(home, database_url=database_url)
    harness.write_dags(dag_files(home / "pids"))
    harness.create_pool("two_slots", 2)
    harness.create_pool("one_slot", 1)
    return harness


sqlite_scheduler, postgres_scheduler, scheduler = module_schedulers(_build, "scheduler")


def test_a_chain_runs_every_task_once_in_order(scheduler: SchedulerHarness) -> None:
    run_id = scheduler.trigger("chain")

    run = scheduler.wait("chain", run_id)

    assert run.state is DagRunState.SUCCESS
    tis = {ti.task_id: ti for ti in scheduler.task_instances("chain", run_id)}
    assert {ti.state for ti in tis.values()} == {S.SUCCESS}
    for i in range(9):
        assert tis[f"t{i}"].end_date <= tis[f"t{i + 1}"].start_date
    assert [t.try_number for t in scheduler.tries("chain", run_id)] == [1] * 10


def test_a_fan_out_runs_its_parallel_tasks_between_start_and_join(
    scheduler: SchedulerHarness,
) -> None:
    run_id = scheduler.trigger("fanout")

    run = scheduler.wait("fanout", run_id)

    assert run.state is DagRunState.SUCCESS
    tis = {ti.task_id: ti for ti in scheduler.task_instances("fanout", run_id)}
    assert len(tis) == 32 and {ti.state for ti in tis.values()} == {S.SUCCESS}
    middle = [tis[f"t{i}"] for i in range(30)]
    assert all(tis["start"].end_date <= ti.start_date for ti in middle)
    assert all(ti.end_date <= tis["join"].start_date for ti in middle)
    assert len(scheduler.tries("fanout", run_id)) == 32


def test_results_flow_through_xcom_and_tasks_see_the_run_conf(
    scheduler: SchedulerHarness,
) -> None:
    run_id = scheduler.trigger("xcom_flow", conf={"label": "sum"})

    run = scheduler.wait("xcom_flow", run_id)

    assert run.state is DagRunState.SUCCESS
    assert scheduler.xcom("xcom_flow", run_id, "numbers") == [1, 2, 3]
    assert scheduler.xcom("xcom_flow", run_id, "total") == 6
    assert scheduler.xcom("xcom_flow", run_id, "report") == "sum: 6"


def test_retries_wait_their_delay_which_doubles_with_backoff(
    scheduler: SchedulerHarness,
) -> None:
    run_id = scheduler.trigger("retrying")

    run = scheduler.wait("retrying", run_id)

    assert run.state is DagRunState.SUCCESS
    tries = scheduler.tries("retrying", run_id, "flaky")
    assert [(t.try_number, t.state) for t in tries] == [
        (1, S.UP_FOR_RETRY),
        (2, S.UP_FOR_RETRY),
        (3, S.UP_FOR_RETRY),
        (4, S.SUCCESS),
    ]
    assert all("not yet" in (t.error or "") for t in tries[:3])
    waits = [(b.start_date - a.end_date).total_seconds() for a, b in itertools.pairwise(tries)]
    for wait, delay in zip(waits, (0.2, 0.4, 0.8), strict=True):
        assert wait >= delay, f"waited {waits}, expected at least 0.2, 0.4, 0.8 s"


def test_execution_timeout_fails_the_try_that_runs_too_long(scheduler: SchedulerHarness) -> None:
    run_id = scheduler.trigger("timing_out")

    run = scheduler.wait("timing_out", run_id)

    assert run.state is DagRunState.FAILED
    [attempt] = scheduler.tries("timing_out", run_id, "slow")
    assert attempt.state is S.FAILED
    assert "execution_timeout of 0.5 s" in (attempt.error or "")
    assert (attempt.end_date - attempt.start_date).total_seconds() < 10


def test_dagrun_timeout_fails_the_run_and_skips_what_did_not_finish(
    sqlite_scheduler: SchedulerHarness,
) -> None:
    run_id = sqlite_scheduler.trigger("run_timeout")

    run = sqlite_scheduler.wait("run_timeout", run_id)

    assert run.state is DagRunState.FAILED
    assert "dagrun_timeout of 1 s exceeded" in (run.reason or "")
    assert (run.end_date - run.start_date).total_seconds() >= 1
    assert sqlite_scheduler.states("run_timeout", run_id) == {"dawdle": "skipped"}


def test_a_pool_runs_no_more_tasks_at_once_than_its_slots(
    sqlite_scheduler: SchedulerHarness,
) -> None:
    run_id = sqlite_scheduler.trigger("pooled")

    run = sqlite_scheduler.wait("pooled", run_id)

    assert run.state is DagRunState.SUCCESS
    tis = sqlite_scheduler.task_instances("pooled", run_id)
    assert max_overlap((ti.start_date, ti.end_date) for ti in tis) == 2


def test_the_highest_priority_weight_runs_first_when_slots_are_scarce(
    sqlite_scheduler: SchedulerHarness,
) -> None:
    run_id = sqlite_scheduler.trigger("prioritized")

    run = sqlite_scheduler.wait("prioritized", run_id)

    assert run.state is DagRunState.SUCCESS
    tis = sqlite_scheduler.task_instances("prioritized", run_id)
    assert [ti.task_id for ti in sorted(tis, key=lambda ti: ti.start_date)] == [
        "w4",
        "w3",
        "w2",
        "w1",
    ]
    assert max_overlap((ti.start_date, ti.end_date) for ti in tis) == 1


def test_max_active_tasks_limits_the_tasks_of_a_dag_running_at_once(
    sqlite_scheduler: SchedulerHarness,
) -> None:
    run_id = sqlite_scheduler.trigger("narrow")

    run = sqlite_scheduler.wait("narrow", run_id)

    assert run.state is DagRunState.SUCCESS
    tis = sqlite_scheduler.task_instances("narrow", run_id)
    assert max_overlap((ti.start_date, ti.end_date) for ti in tis) == 2


def test_max_active_runs_starts_the_next_run_when_one_finishes(
    sqlite_scheduler: SchedulerHarness,
) -> None:
    run_ids = [sqlite_scheduler.trigger("one_at_a_time") for _ in range(3)]

    runs = [sqlite_scheduler.wait("one_at_a_time", run_id) for run_id in run_ids]

    assert [run.state for run in runs] == [DagRunState.SUCCESS] * 3
    assert max_overlap((run.start_date, run.end_date) for run in runs) == 1


def test_the_timetable_creates_the_runs_it_missed_with_catchup(
    sqlite_scheduler: SchedulerHarness,
) -> None:
    # "@daily" triggers at midnight (Airflow 3): the start date's and the three since.
    days = [CATCHUP_START + timedelta(days=i) for i in range(4)]

    def finished() -> list[object] | None:
        # (A fifth run appears if the test runs across midnight.)
        runs = sqlite_scheduler.runs("daily")[: len(days)]
        done = [r for r in runs if r.state is DagRunState.SUCCESS]
        return runs if len(done) == len(days) else None

    runs = sqlite_scheduler.wait_until("four daily runs", finished)

    assert [(r.run_type, r.logical_date, r.run_after) for r in runs] == [
        ("scheduled", day, day) for day in days
    ]
    # max_active_runs=1: each run started after the one before it had finished.
    assert all(a.end_date <= b.start_date for a, b in itertools.pairwise(runs))


def test_a_stopped_task_stops_heartbeating_and_is_retried_as_a_zombie(
    sqlite_scheduler: SchedulerHarness,
) -> None:
    run_id = sqlite_scheduler.trigger("zombie")
    pid = wait_for_pid_file(sqlite_scheduler.home / "pids" / "zombie")

    os.kill(pid, signal.SIGSTOP)
    try:
        first = sqlite_scheduler.wait_until(
            "the zombie try to be recorded",
            lambda: sqlite_scheduler.tries("zombie", run_id, "hang"),
        )
    finally:
        os.kill(pid, signal.SIGKILL)
    run = sqlite_scheduler.wait("zombie", run_id)

    assert first[0].state is S.UP_FOR_RETRY
    assert "Zombie: no heartbeat from the try for more than 2 s" in (first[0].error or "")
    assert run.state is DagRunState.SUCCESS
    tries = sqlite_scheduler.tries("zombie", run_id, "hang")
    assert [(t.try_number, t.state) for t in tries] == [(1, S.UP_FOR_RETRY), (2, S.SUCCESS)]
    assert sqlite_scheduler.xcom("zombie", run_id, "hang") == "second try"


def test_a_task_process_killed_with_sigkill_fails_naming_the_signal_and_is_retried(
    scheduler: SchedulerHarness,
) -> None:
    run_id = scheduler.trigger("killed")
    pid_file = scheduler.home / "pids" / "killed"
    pid = wait_for_pid_file(pid_file)
    pid_file.unlink()

    os.kill(pid, signal.SIGKILL)
    run = scheduler.wait("killed", run_id)

    assert run.state is DagRunState.SUCCESS
    tries = scheduler.tries("killed", run_id, "hang")
    assert [(t.try_number, t.state) for t in tries] == [(1, S.UP_FOR_RETRY), (2, S.SUCCESS)]
    assert "killed by signal SIGKILL" in (tries[0].error or "")


def test_a_failure_spreads_downstream_and_all_done_tasks_still_run(
    sqlite_scheduler: SchedulerHarness,
) -> None:
    run_id = sqlite_scheduler.trigger("cascade")

    run = sqlite_scheduler.wait("cascade", run_id)

    assert run.state is DagRunState.SUCCESS  # Airflow's rule: the leaf (cleanup) decides
    assert sqlite_scheduler.states("cascade", run_id) == {
        "a": "failed",
        "b": "upstream_failed",
        "c": "upstream_failed",
        "d": "upstream_failed",
        "cleanup": "success",
    }


def test_a_branch_skips_the_other_side_and_the_join_still_runs(
    sqlite_scheduler: SchedulerHarness,
) -> None:
    run_id = sqlite_scheduler.trigger("branching")

    run = sqlite_scheduler.wait("branching", run_id)

    assert run.state is DagRunState.SUCCESS
    assert sqlite_scheduler.states("branching", run_id) == {
        "branch": "success",
        "left": "success",
        "after_left": "success",
        "right": "skipped",
        "after_right": "skipped",
        "join": "success",
    }


def test_a_mapped_task_expands_over_an_upstream_result(scheduler: SchedulerHarness) -> None:
    run_id = scheduler.trigger("mapped")

    run = scheduler.wait("mapped", run_id)

    assert run.state is DagRunState.SUCCESS
    doubles = [ti for ti in scheduler.task_instances("mapped", run_id) if ti.task_id == "double"]
    assert [ti.map_index for ti in doubles] == [0, 1, 2]
    assert scheduler.xcom("mapped", run_id, "total") == 12


def test_a_fan_in_fails_as_soon_as_one_upstream_task_fails(
    sqlite_scheduler: SchedulerHarness,
) -> None:
    run_id = sqlite_scheduler.trigger("fanin_failure")

    run = sqlite_scheduler.wait("fanin_failure", run_id)

    assert run.state is DagRunState.FAILED
    tis = {ti.task_id: ti for ti in sqlite_scheduler.task_instances("fanin_failure", run_id)}
    assert tis["join"].state is S.UPSTREAM_FAILED
    # Decided when "bad" failed, not after the slow tasks: they were still running.
    assert tis["join"].end_date < max(tis[f"slow{i}"].end_date for i in range(6))


@pytest.mark.postgres
def test_two_schedulers_sharing_postgres_run_every_task_exactly_once(
    postgres_scheduler: SchedulerHarness, tmp_path: Path
) -> None:
    second = SchedulerHarness(
        tmp_path / "second",
        database_url=postgres_scheduler.settings.database_url,
        dags_folder=postgres_scheduler.dags_folder,
    )
    second.start()
    try:
        run_ids = {
            "fanout": [postgres_scheduler.trigger("fanout") for _ in range(2)],
            "chain": [second.trigger("chain")],
        }
        runs = [
            postgres_scheduler.wait(dag_id, run_id)
            for dag_id, ids in run_ids.items()
            for run_id in ids
        ]
    finally:
        second.stop()

    assert [run.state for run in runs] == [DagRunState.SUCCESS] * 3
    for dag_id, ids in run_ids.items():
        for run_id in ids:
            tries = postgres_scheduler.tries(dag_id, run_id)
            names = [t.task_id for t in tries]
            assert len(names) == len(set(names)), f"a task of {dag_id} ran twice"
            assert {t.state for t in tries} == {S.SUCCESS}
            assert len(tries) == len(postgres_scheduler.task_instances(dag_id, run_id))


def test_a_paused_dag_queues_nothing_more_until_it_is_unpaused(
    sqlite_scheduler: SchedulerHarness,
) -> None:
    run_id = sqlite_scheduler.trigger("pausable")
    sqlite_scheduler.wait_until(
        "the first task to run",
        lambda: sqlite_scheduler.states("pausable", run_id)["first"] == "running",
    )

    sqlite_scheduler.set_paused("pausable", True)
    sqlite_scheduler.wait_until(
        "the first task to finish",
        lambda: sqlite_scheduler.states("pausable", run_id)["first"] == "success",
    )
    time.sleep(0.6)  # several sweeps: nothing may queue the second task meanwhile
    held = sqlite_scheduler.states("pausable", run_id)["second"]
    sqlite_scheduler.set_paused("pausable", False)
    run = sqlite_scheduler.wait("pausable", run_id)

    assert held in (None, "scheduled")
    assert run.state is DagRunState.SUCCESS
