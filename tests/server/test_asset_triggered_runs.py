"""A task that updates an asset starts the DAGs scheduled on it (through the real scheduler)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from tests.server.scheduler_harness import SchedulerHarness

from tradewind.contracts.runs import DagRunType
from tradewind.contracts.states import DagRunState

HEADER = """
from datetime import datetime
from tradewind import DAG, Asset, task
"""

PRODUCER = """
with DAG("producer", schedule=None, start_date=datetime(2024, 1, 1)) as dag:
    @task(outlets=[Asset("s3://lake/raw")])
    def write_raw():
        return "written"
    write_raw()
"""

CONSUMER = """
with DAG("consumer", schedule=[Asset("s3://lake/raw")], start_date=datetime(2024, 1, 1)) as dag:
    @task
    def read_raw():
        return "read"
    read_raw()
"""

BOTH = """
with DAG(
    "needs_both",
    schedule=Asset("s3://lake/raw") & Asset("s3://lake/other"),
    start_date=datetime(2024, 1, 1),
) as dag:
    @task
    def join():
        return "joined"
    join()
"""


@pytest.fixture(scope="module")
def harness(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SchedulerHarness]:
    harness = SchedulerHarness(tmp_path_factory.mktemp("assets"))
    harness.write_dags(
        {
            "producer.py": HEADER + PRODUCER,
            "consumer.py": HEADER + CONSUMER,
            "both.py": HEADER + BOTH,
        }
    )
    harness.start()
    harness.parse()
    for dag_id in ("producer", "consumer", "needs_both"):
        harness.set_paused(dag_id, False)
    try:
        yield harness
    finally:
        harness.stop()


def test_producer_success_creates_one_run_of_the_consumer(harness: SchedulerHarness) -> None:
    run_id = harness.trigger("producer")
    assert harness.wait("producer", run_id).state is DagRunState.SUCCESS

    consumer = harness.wait_until("a consumer run", lambda: harness.runs("consumer") or None)
    assert consumer[0].run_type is DagRunType.ASSET_TRIGGERED
    finished = harness.wait("consumer", consumer[0].run_id)
    assert finished.state is DagRunState.SUCCESS
    assert harness.xcom("consumer", consumer[0].run_id, "read_raw") == "read"


def test_a_condition_over_two_assets_waits_for_both(harness: SchedulerHarness) -> None:
    before = len(harness.runs("consumer"))
    run_id = harness.trigger("producer")
    harness.wait("producer", run_id)
    harness.wait_until(
        "another consumer run", lambda: len(harness.runs("consumer")) > before or None
    )
    # Only s3://lake/raw was updated: the DAG that needs s3://lake/other too never ran.
    assert harness.runs("needs_both") == []
