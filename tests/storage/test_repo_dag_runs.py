"""DAG-run repository and the SQL-only rules of runs, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from storage_factories import NOW, make_run, make_ti

from tradewind.contracts.dagspec import DagSpec, TaskSpec
from tradewind.contracts.runs import DagRunType
from tradewind.contracts.states import DagRunState
from tradewind.contracts.states import TaskInstanceState as S
from tradewind.errors import DagRunAlreadyExistsError
from tradewind.storage.records import TaskTryRecord
from tradewind.storage.repos import dag_runs, dags
from tradewind.storage.rows import DagRunRow, TaskInstanceRow, TaskTryRow, XComRow
from tradewind.storage.sql_store import SqlStore


def _dag(session: Session, dag_id: str, *, paused: bool = False) -> DagSpec:
    spec = DagSpec(
        dag_id=dag_id,
        fileloc=f"/dags/{dag_id}.py",
        timetable={},
        tasks={"t": TaskSpec(task_id="t", operator="EmptyOperator")},
    )
    dags.upsert_dags(session=session, specs=[spec], sources={}, now=NOW, paused_at_creation=paused)
    return spec


def _add_run(store: SqlStore, dag_id: str, run_id: str, day: int, **changes: object) -> None:
    store.add_dag_run(
        make_run(dag_id, run_id, logical_date=NOW + timedelta(days=day), **changes)  # type: ignore[arg-type]
    )


def test_a_logical_date_is_taken_once_per_dag(session: Session) -> None:
    store = SqlStore(session)
    store.add_dag_run(make_run(run_id="first"))
    with pytest.raises(DagRunAlreadyExistsError) as caught:
        store.add_dag_run(make_run(run_id="second"))
    assert caught.value.run_id == "first"
    store.add_dag_run(make_run(dag_id="other", run_id="second"))
    assert store.get_dag_run("etl", "second") is None


def test_a_run_records_the_stored_version_it_runs(session: Session) -> None:
    spec = _dag(session, "etl")
    store = SqlStore(session)
    store.add_dag_run(make_run(dag_version=spec.version_hash))
    store.add_dag_run(make_run(run_id="r2", logical_date=None, dag_version="unknown"))
    version = dags.list_latest_dag_versions(session=session, dag_ids=["etl"]).get("etl")
    assert version is not None
    by_run = {r.run_id: r.dag_version_id for r in session.scalars(select(DagRunRow))}
    assert by_run == {"r1": version.id, "r2": None}


def test_deleting_a_run_deletes_what_belongs_to_it(session: Session) -> None:
    store = SqlStore(session)
    store.add_dag_run(make_run())
    store.add_task_instances([make_ti("a")])
    store.add_try(TaskTryRecord("etl", "r1", "a", -1, 1, S.FAILED, NOW, NOW))
    store.set_xcom("etl", "r1", "a", -1, "return_value", "1")
    session.delete(dag_runs.get_dag_run(session=session, dag_id="etl", run_id="r1"))
    session.flush()
    for row in (TaskInstanceRow, TaskTryRow, XComRow):
        assert session.scalar(select(func.count()).select_from(row)) == 0


def test_committed_runs_are_read_by_a_new_session(
    sql_backend_sessions: tuple[Session, Session],
) -> None:
    writer, reader = sql_backend_sessions
    SqlStore(writer).add_dag_run(make_run(conf={"k": [1, 2]}))
    SqlStore(writer).add_task_instances([make_ti("a", xcom_lengths={"x": 2})])
    writer.commit()
    store = SqlStore(reader)
    run = store.get_dag_run("etl", "r1")
    ti = store.get_task_instance("etl", "r1", "a", -1)
    assert run is not None
    assert ti is not None
    assert (run.conf, run.logical_date, ti.xcom_lengths) == ({"k": [1, 2]}, NOW, {"x": 2})


def test_running_runs_to_plan_come_least_recently_planned_first(session: Session) -> None:
    _dag(session, "etl")
    _dag(session, "paused", paused=True)
    store = SqlStore(session)
    for run_id, day in (("a", 0), ("b", 1), ("c", 2)):
        _add_run(store, "etl", run_id, day, state=DagRunState.RUNNING)
    _add_run(store, "etl", "queued", 3)
    _add_run(store, "paused", "p", 0, state=DagRunState.RUNNING)
    first = dag_runs.list_dag_runs_to_plan(session=session, limit=2)
    assert [r.run_id for r in first] == ["a", "b"]
    dag_runs.update_last_scheduling_decision(
        session=session, run_ids=[r.id for r in first], when=NOW
    )
    assert [r.run_id for r in dag_runs.list_dag_runs_to_plan(session=session, limit=2)] == [
        "c",
        "a",
    ]


def test_queued_runs_start_when_due(session: Session) -> None:
    _dag(session, "etl")
    store = SqlStore(session)
    _add_run(store, "etl", "due", 0, run_after=NOW - timedelta(hours=1))
    _add_run(store, "etl", "later", 1, run_after=NOW + timedelta(hours=1))
    _add_run(store, "etl", "running", 2, state=DagRunState.RUNNING)
    due = dag_runs.list_dag_runs_to_start(session=session, now=NOW, limit=10)
    assert [r.run_id for r in due] == ["due"]


def test_runs_are_counted_per_dag_and_state(session: Session) -> None:
    store = SqlStore(session)
    _add_run(store, "a", "1", 0, state=DagRunState.RUNNING)
    _add_run(store, "a", "2", 1)
    _add_run(store, "a", "3", 2, state=DagRunState.SUCCESS)
    _add_run(store, "b", "1", 0)
    active = dag_runs.count_dag_runs(
        session=session, dag_ids=["a", "b", "c"], states=[DagRunState.QUEUED, DagRunState.RUNNING]
    )
    assert active == {"a": 2, "b": 1}


def test_the_latest_automated_run_is_found_per_dag(session: Session) -> None:
    store = SqlStore(session)
    _add_run(store, "a", "s1", 0, run_type=DagRunType.SCHEDULED)
    _add_run(store, "a", "s2", 1, run_type=DagRunType.SCHEDULED)
    _add_run(store, "a", "m", 5, run_type=DagRunType.MANUAL)
    _add_run(store, "b", "m", 5, run_type=DagRunType.MANUAL)
    latest = dag_runs.list_latest_automated_runs(session=session, dag_ids=["a", "b"])
    assert {k: v.run_id for k, v in latest.items()} == {"a": "s2"}


def test_runs_are_listed_newest_first_with_filters(session: Session) -> None:
    store = SqlStore(session)
    for day in range(4):
        _add_run(store, "a", f"r{day}", day, run_after=NOW + timedelta(days=day))
    _add_run(store, "b", "x", 0)
    runs = dag_runs.list_dag_runs(session=session, dag_id="a", limit=2)
    assert [r.run_id for r in runs] == ["r3", "r2"]
    assert dag_runs.list_dag_runs(session=session, states=[DagRunState.SUCCESS]) == []
    row = dag_runs.get_dag_run(session=session, dag_id="b", run_id="x")
    assert row is not None
    assert row.state is DagRunState.QUEUED
