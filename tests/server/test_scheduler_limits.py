"""Per-run limits through the real scheduler and local executor: max_active_tis_per_dagrun,
wait_for_downstream, and the scheduler's settings.

One scheduler per database serves the module; concurrency and order are judged from the
recorded start and end dates.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.server.scheduler_harness import SchedulerHarness, max_overlap, module_schedulers

from tradewind.config import load_settings
from tradewind.contracts.states import DagRunState
from tradewind.server.assembly import build_scheduler, open_database

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")

DAGS = {
    "limits.py": """\
import time
from datetime import datetime

from tradewind import DAG, task
from tradewind.operators.python import PythonOperator

START = datetime(2024, 1, 1)


def nap(seconds):
    time.sleep(seconds)


with DAG("mapped_limit", schedule=None, start_date=START):
    @task(max_active_tis_per_dagrun=3)
    def work(n):
        time.sleep(0.05)
        return n

    work.expand(n=list(range(20)))

with DAG("hog", schedule=None, start_date=START):
    @task(max_active_tis_per_dagrun=1, priority_weight=100)
    def hog(n):
        time.sleep(0.02)

    hog.expand(n=list(range(60)))

with DAG("unlimited_pool", schedule=None, start_date=START):
    PythonOperator(task_id="free", python_callable=nap, op_args=[0], pool="unlimited")

with DAG("behind", schedule=None, start_date=START):
    PythonOperator(task_id="small", python_callable=nap, op_args=[0])

with DAG("downstream_wait", schedule=None, start_date=START):
    first = PythonOperator(
        task_id="first", python_callable=nap, op_args=[0], wait_for_downstream=True
    )
    first >> PythonOperator(task_id="slow", python_callable=nap, op_args=[0.3])
"""
}


def _build(home: Path, database_url: str) -> SchedulerHarness:
    harness = SchedulerHarness(home, database_url=database_url)
    harness.write_dags(DAGS)
    harness.create_pool("unlimited", -1)
    return harness


sqlite_scheduler, postgres_scheduler, scheduler = module_schedulers(_build, "limits")


def test_a_mapped_task_runs_at_most_max_active_tis_per_dagrun_instances_of_a_run(
    scheduler: SchedulerHarness,
) -> None:
    run_ids = [scheduler.trigger("mapped_limit") for _ in range(2)]

    runs = [scheduler.wait("mapped_limit", run_id) for run_id in run_ids]

    assert [run.state for run in runs] == [DagRunState.SUCCESS] * 2
    per_run = [scheduler.task_instances("mapped_limit", run_id) for run_id in run_ids]
    assert [len(tis) for tis in per_run] == [20, 20]
    assert [max_overlap((ti.start_date, ti.end_date) for ti in tis) for tis in per_run] == [3, 3]
    # The limit is per run: the two runs' instances ran side by side.
    both = [(ti.start_date, ti.end_date) for tis in per_run for ti in tis]
    assert max_overlap(both) > 3


def test_instances_held_back_by_a_limit_do_not_starve_lower_priority_tasks(
    scheduler: SchedulerHarness,
) -> None:
    # 60 high-priority instances, one at a time: more than one claim of waiting instances
    # (twice the executor's free slots) holds, all of them held back but the running one.
    hog = scheduler.trigger("hog")
    scheduler.wait_until(
        "the hog to start",
        lambda: any(ti.start_date for ti in scheduler.task_instances("hog", hog)),
    )
    behind = scheduler.trigger("behind")

    behind_run = scheduler.wait("behind", behind)
    hog_run = scheduler.wait("hog", hog)

    assert behind_run.state is hog_run.state is DagRunState.SUCCESS
    hog_tis = scheduler.task_instances("hog", hog)
    not_started = [ti for ti in hog_tis if ti.start_date > behind_run.end_date]
    assert len(not_started) > 30, "the lower-priority task waited for the held-back instances"


def test_wait_for_downstream_holds_a_task_until_the_previous_runs_downstream_succeeded(
    scheduler: SchedulerHarness,
) -> None:
    earlier = scheduler.trigger("downstream_wait")
    later = scheduler.trigger("downstream_wait")

    runs = [scheduler.wait("downstream_wait", run_id) for run_id in (earlier, later)]

    assert [run.state for run in runs] == [DagRunState.SUCCESS] * 2
    earlier_tis = {ti.task_id: ti for ti in scheduler.task_instances("downstream_wait", earlier)}
    later_first = {ti.task_id: ti for ti in scheduler.task_instances("downstream_wait", later)}[
        "first"
    ]
    assert later_first.start_date is not None and earlier_tis["slow"].end_date is not None
    assert later_first.start_date >= earlier_tis["slow"].end_date


def test_the_scheduler_polls_for_runs_as_often_as_the_settings_say(tmp_path: Path) -> None:
    settings = load_settings(
        {"TRADEWIND_HOME": str(tmp_path), "TRADEWIND__SCHEDULER__POLL_INTERVAL": "0.05"}
    )
    engine, sessions = open_database(settings)
    try:
        scheduler = build_scheduler(settings, sessions)
    finally:
        engine.dispose()

    assert settings.scheduler.poll_interval == 0.05
    assert scheduler.options.poll_interval == 0.05


def test_a_pool_of_minus_one_slots_has_no_limit(scheduler: SchedulerHarness) -> None:
    run_id = scheduler.trigger("unlimited_pool")

    assert scheduler.wait("unlimited_pool", run_id).state is DagRunState.SUCCESS
