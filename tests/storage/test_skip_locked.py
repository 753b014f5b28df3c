"""Several schedulers on PostgreSQL claim different rows (FOR UPDATE SKIP LOCKED)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session
from storage_factories import NOW, SqlBackend, make_run, make_ti

from tradewind.contracts.dagspec import DagSpec
from tradewind.contracts.states import DagRunState
from tradewind.contracts.states import TaskInstanceState as S
from tradewind.storage.repos import dag_runs, dags, task_instances
from tradewind.storage.sql_store import SqlStore

pytestmark = pytest.mark.postgres


@pytest.fixture
def backend(postgres_backend: SqlBackend) -> SqlBackend:
    """Three running runs of an unpaused DAG, two scheduled task instances each."""
    spec = DagSpec(dag_id="etl", fileloc="/dags/etl.py", timetable={}, tasks={})
    with postgres_backend.sessions.begin() as session:
        dags.upsert_dags(
            session=session, specs=[spec], sources={}, now=NOW, paused_at_creation=False
        )
        store = SqlStore(session)
        for day, run_id in enumerate(("a", "b", "c")):
            store.add_dag_run(
                make_run(
                    run_id=run_id,
                    logical_date=NOW + timedelta(days=day),
                    state=DagRunState.RUNNING,
                )
            )
            store.add_task_instances(
                make_ti(task_id, run_id=run_id, state=S.SCHEDULED, priority=10 - day)
                for task_id in ("x", "y")
            )
    return postgres_backend


@pytest.fixture
def schedulers(backend: SqlBackend) -> Iterator[tuple[Session, Session]]:
    """Two scheduler transactions; a lock wait fails fast instead of hanging the test."""
    with backend.sessions() as one, backend.sessions() as two:
        for session in (one, two):
            session.execute(text("SET LOCAL lock_timeout = '2s'"))
        yield one, two


def test_two_schedulers_claim_different_runs(schedulers: tuple[Session, Session]) -> None:
    one, two = schedulers
    first = dag_runs.list_dag_runs_to_plan(session=one, limit=2)
    second = dag_runs.list_dag_runs_to_plan(session=two, limit=2)
    assert [r.run_id for r in first] == ["a", "b"]
    assert [r.run_id for r in second] == ["c"]


def test_released_runs_can_be_claimed_again(backend: SqlBackend) -> None:
    with backend.sessions() as one, backend.sessions() as two:
        claimed = dag_runs.list_dag_runs_to_plan(session=one, limit=3)
        assert dag_runs.list_dag_runs_to_plan(session=two, limit=3) == []
        dag_runs.update_last_scheduling_decision(
            session=one, run_ids=[r.id for r in claimed[:1]], when=NOW
        )
        one.commit()
        two.rollback()
        assert [r.run_id for r in dag_runs.list_dag_runs_to_plan(session=two, limit=3)] == [
            "b",
            "c",
            "a",
        ]


def test_two_schedulers_claim_different_task_instances(
    schedulers: tuple[Session, Session],
) -> None:
    one, two = schedulers
    first = task_instances.list_task_instances_to_queue(session=one, limit=3)
    second = task_instances.list_task_instances_to_queue(session=two, limit=10)
    assert [(ti.run_id, ti.task_id) for ti in first] == [("a", "x"), ("a", "y"), ("b", "x")]
    assert [(ti.run_id, ti.task_id) for ti in second] == [("b", "y"), ("c", "x"), ("c", "y")]


def test_claimed_task_instances_do_not_lock_their_run(schedulers: tuple[Session, Session]) -> None:
    one, two = schedulers
    task_instances.list_task_instances_to_queue(session=one, limit=6)
    assert len(dag_runs.list_dag_runs_to_plan(session=two, limit=3)) == 3


def test_reading_without_lock_sees_claimed_rows(schedulers: tuple[Session, Session]) -> None:
    one, two = schedulers
    dag_runs.list_dag_runs_to_plan(session=one, limit=3)
    assert len(dag_runs.list_dag_runs_to_plan(session=two, limit=3, lock=False)) == 3


def test_due_dags_are_claimed_by_one_scheduler(schedulers: tuple[Session, Session]) -> None:
    one, two = schedulers
    dags.update_dag_next_run(
        session=one, dag_id="etl", next_dagrun=NOW, data_interval=None, create_after=NOW
    )
    one.commit()
    one.execute(text("SET LOCAL lock_timeout = '2s'"))
    assert [d.dag_id for d in dags.list_dags_needing_runs(session=one, now=NOW, limit=5)] == ["etl"]
    assert dags.list_dags_needing_runs(session=two, now=NOW, limit=5) == []
