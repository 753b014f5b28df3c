"""depends_on_past: an instance runs once the previous run's instance succeeded or skipped."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tradewind import DAG
from tradewind.contracts.runs import DagRunType
from tradewind.contracts.states import DagRunState
from tradewind.contracts.states import TaskInstanceState as S
from tradewind.core.dagrun import DagRunDriver
from tradewind.operators.empty import EmptyOperator
from tradewind.sdk.serialization import serialize_dag
from tradewind.storage.memory import MemoryStore

DAY = datetime(2024, 5, 1, tzinfo=UTC)


def _runs(previous_state: S | None) -> tuple[DagRunDriver, MemoryStore]:
    with DAG("dop", schedule="@daily", start_date=DAY) as dag:
        EmptyOperator(task_id="load", depends_on_past=True) >> EmptyOperator(task_id="after")
    spec = serialize_dag(dag)
    store = MemoryStore()
    drivers = [
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
        for offset in (0, 1)
    ]
    previous = store.get_task_instance("dop", "day0", "load", -1)
    assert previous is not None
    previous.state = previous_state  # the store holds records: set the past directly
    return drivers[1], store


@pytest.mark.parametrize("previous_state", [S.SUCCESS, S.SKIPPED])
def test_a_finished_previous_instance_lets_the_task_run(previous_state: S) -> None:
    driver, _ = _runs(previous_state)
    plan = driver.plan(DAY + timedelta(days=1))
    assert [ti.task_id for ti in plan.ready] == ["load"]


@pytest.mark.parametrize("previous_state", [S.FAILED, S.UPSTREAM_FAILED, S.RUNNING, None])
def test_the_task_waits_while_the_previous_instance_has_not_succeeded(
    previous_state: S | None,
) -> None:
    driver, _ = _runs(previous_state)
    plan = driver.plan(DAY + timedelta(days=1))
    assert plan.ready == []
    assert plan.waiting_on_past == 1
    # Waiting on the past is not a deadlock: the run stays running until someone acts.
    assert driver.update_state(DAY + timedelta(days=1), plan) is DagRunState.RUNNING


def test_the_first_run_does_not_wait_for_a_past_it_does_not_have() -> None:
    with DAG("first", schedule="@daily", start_date=DAY) as dag:
        EmptyOperator(task_id="load", depends_on_past=True)
    driver = DagRunDriver.create(
        serialize_dag(dag),
        MemoryStore(),
        run_id="day0",
        run_type=DagRunType.SCHEDULED,
        logical_date=DAY,
        data_interval=(DAY, DAY),
        run_after=DAY,
        now=DAY,
    )
    assert [ti.task_id for ti in driver.plan(DAY).ready] == ["load"]
