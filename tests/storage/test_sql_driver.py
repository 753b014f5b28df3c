"""A whole DAG run driven by DagRunDriver on SqlStore, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session
from storage_factories import SqlBackend

from tradewind import DAG, task
from tradewind.contracts.dagspec import DagSpec
from tradewind.contracts.events import TaskEvent
from tradewind.contracts.runs import DagRunType
from tradewind.contracts.states import DagRunState
from tradewind.contracts.states import TaskInstanceState as S
from tradewind.contracts.workloads import ExecuteTask
from tradewind.core.dagrun import DagRunDriver
from tradewind.operators.empty import EmptyOperator
from tradewind.sdk.serialization import serialize_dag
from tradewind.storage.repos import dag_runs, dags
from tradewind.storage.sql_store import SqlStore

START = datetime(2024, 1, 1, tzinfo=UTC)


def _spec() -> DagSpec:
    with DAG("sql_driver", start_date=START, schedule=None) as dag:

        @task
        def extract() -> list[int]:
            return [1, 2, 3]

        @task(retries=1, retry_delay=timedelta(0))
        def transform(x: int) -> int:
            return x

        @task
        def load(values: list[int]) -> None:
            pass

        choose = EmptyOperator(task_id="choose")
        chosen = EmptyOperator(task_id="chosen")
        not_chosen = EmptyOperator(task_id="not_chosen")
        load(transform.expand(x=extract()))
        choose >> [chosen, not_chosen]
    return serialize_dag(dag)


def _clock() -> Callable[[], datetime]:
    ticks: Iterator[int] = iter(range(1_000_000))
    return lambda: START + timedelta(seconds=next(ticks))


def _outcome(workload: ExecuteTask, now: datetime) -> TaskEvent:
    """What a worker would report: transform[1] fails its first try; choose skips a branch."""
    key = workload.key
    if key.task_id == "transform" and key.map_index == 1 and key.try_number == 1:
        return TaskEvent(key, S.UP_FOR_RETRY, start_date=now, end_date=now, error="flaky")
    lengths = {"return_value": 3} if key.task_id == "extract" else {}
    skip = ("not_chosen",) if key.task_id == "choose" else ()
    return TaskEvent(
        key,
        S.SUCCESS,
        start_date=now,
        end_date=now,
        xcom_lengths=lengths,
        skip_task_ids=skip,
        hostname="worker-1",
    )


def _step(driver: DagRunDriver, clock: Callable[[], datetime]) -> DagRunState:
    """One scheduler pass: plan, queue and run what is ready, apply events, judge."""
    driver.start(clock())
    plan = driver.plan(clock())
    for ti in plan.ready:
        if ti.state is not S.SCHEDULED:  # skipped by a branch that ran in this pass
            continue
        workload = driver.workload(ti, clock())
        assert driver.mark_running(workload.key, clock(), hostname="worker-1")
        driver.apply_event(_outcome(workload, clock()), clock())
    return driver.update_state(clock(), plan)


def _create(session: Session, spec: DagSpec, now: datetime) -> DagRunDriver:
    return DagRunDriver.create(
        spec,
        SqlStore(session),
        run_id="manual__1",
        run_type=DagRunType.MANUAL,
        logical_date=START,
        data_interval=(START, START),
        run_after=START,
        conf={"source": "test"},
        now=now,
    )


def _assert_finished(session: Session, spec: DagSpec) -> None:
    store = SqlStore(session)
    run = store.get_dag_run("sql_driver", "manual__1")
    assert run is not None
    assert run.state is DagRunState.SUCCESS
    assert run.dag_version == spec.version_hash
    states = {
        (ti.task_id, ti.map_index): ti.state
        for ti in store.list_task_instances("sql_driver", "manual__1")
    }
    assert states == {
        ("extract", -1): S.SUCCESS,
        ("transform", 0): S.SUCCESS,
        ("transform", 1): S.SUCCESS,
        ("transform", 2): S.SUCCESS,
        ("load", -1): S.SUCCESS,
        ("choose", -1): S.SUCCESS,
        ("chosen", -1): S.SUCCESS,
        ("not_chosen", -1): S.SKIPPED,
    }
    tries = store.list_tries("sql_driver", "manual__1", "transform")
    assert [(t.map_index, t.try_number, t.state) for t in tries] == [
        (0, 1, S.SUCCESS),
        (1, 1, S.UP_FOR_RETRY),
        (1, 2, S.SUCCESS),
        (2, 1, S.SUCCESS),
    ]


def test_a_run_completes_in_one_session(sql_backend: SqlBackend) -> None:
    spec, clock = _spec(), _clock()
    with sql_backend.sessions() as session:
        driver = _create(session, spec, clock())
        for _ in range(10):
            if _step(driver, clock) is DagRunState.SUCCESS:
                break
        session.commit()
    with sql_backend.sessions() as session:
        _assert_finished(session, spec)


def test_a_run_completes_across_transactions_and_records_its_version(
    sql_backend: SqlBackend,
) -> None:
    """Each pass in its own transaction with a new store, as a scheduler loop runs."""
    spec, clock = _spec(), _clock()
    with sql_backend.sessions.begin() as session:
        sync = dags.upsert_dags(
            session=session, specs=[spec], sources={spec.fileloc: "# src"}, now=clock()
        )
        dags.update_dags_paused(session=session, dag_ids=["sql_driver"], is_paused=False)
        _create(session, spec, clock())
    for _ in range(10):
        with sql_backend.sessions.begin() as session:
            [row] = dag_runs.list_dag_runs(session=session, dag_id="sql_driver")
            store = SqlStore(session)
            state = _step(DagRunDriver(spec, store, store.dag_run_record(row)), clock)
        if state is DagRunState.SUCCESS:
            break
    with sql_backend.sessions() as session:
        _assert_finished(session, spec)
        row = dag_runs.get_dag_run(session=session, dag_id="sql_driver", run_id="manual__1")
        assert row is not None
        assert row.dag_version_id == sync.versions["sql_driver"].id
        assert row.conf == {"source": "test"}
