"""ti.xcom_pull(include_prior_dates=True) reads the latest earlier run's value."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tradewind import DAG, task
from tradewind.contracts.runs import DagRunType
from tradewind.contracts.serde import deserialize
from tradewind.contracts.states import TaskInstanceState
from tradewind.core.dagrun import DagRunDriver
from tradewind.core.execution_service import StoreExecutionService
from tradewind.runtime.runner import run_task
from tradewind.sdk.serialization import serialize_dag
from tradewind.storage.memory import MemoryStore

DAY = datetime(2024, 3, 1, tzinfo=UTC)


def _build() -> DAG:
    with DAG("daily", schedule="@daily", start_date=DAY) as dag:

        @task
        def reader(ti: Any = None) -> list[Any]:
            return [
                ti.xcom_pull(task_ids="writer", include_prior_dates=True),
                ti.xcom_pull(task_ids="writer"),
            ]

        @task
        def writer() -> str:
            return "never runs in this test"

        reader()
        writer()
    return dag


def test_include_prior_dates_falls_back_to_the_previous_run() -> None:
    dag = _build()
    spec = serialize_dag(dag)
    store = MemoryStore()
    for offset in (0, 1):
        DagRunDriver.create(
            spec,
            store,
            run_id=f"day{offset}",
            run_type=DagRunType.SCHEDULED,
            logical_date=DAY + timedelta(days=offset),
            data_interval=(DAY + timedelta(days=offset), DAY + timedelta(days=offset)),
            run_after=DAY + timedelta(days=offset),
            now=DAY,
        )
    store.set_xcom("daily", "day0", "writer", -1, "return_value", '"from yesterday"')
    driver = DagRunDriver(spec, store, store.get_dag_run("daily", "day1"))  # type: ignore[arg-type]
    plan = driver.plan(DAY + timedelta(days=1))
    reader = next(ti for ti in plan.ready if ti.task_id == "reader")

    event = run_task(driver.workload(reader, DAY), dag, StoreExecutionService(store))

    assert event.state is TaskInstanceState.SUCCESS
    pulled = deserialize(store.get_xcom("daily", "day1", "reader", -1, "return_value") or "null")
    assert pulled == ["from yesterday", None]
