"""The RunStore contract, run against every backend (memory, SQLite, PostgreSQL)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import timedelta

import pytest
from storage_factories import NOW, make_run, make_ti

from tradewind.contracts.runs import DagRunType
from tradewind.contracts.states import DagRunState
from tradewind.contracts.states import TaskInstanceState as S
from tradewind.errors import DagRunAlreadyExistsError
from tradewind.storage.base import RunStore
from tradewind.storage.memory import MemoryStore
from tradewind.storage.records import TaskTryRecord


@pytest.fixture
def store(store_backend: RunStore) -> RunStore:
    """A store holding run r1 of DAG etl."""
    store_backend.add_dag_run(make_run(conf={"n": 3}, dag_version="v1"))
    return store_backend


def _try(task_id: str, try_number: int, state: S = S.FAILED, map_index: int = -1) -> TaskTryRecord:
    return TaskTryRecord(
        dag_id="etl",
        run_id="r1",
        task_id=task_id,
        map_index=map_index,
        try_number=try_number,
        state=state,
        start_date=NOW,
        end_date=NOW + timedelta(seconds=try_number),
        error=f"boom {try_number}",
        hostname="worker-1",
    )


# -- runs --------------------------------------------------------------------------------


def test_added_run_reads_back_with_every_field(store: RunStore) -> None:
    run = store.get_dag_run("etl", "r1")
    assert run is not None
    assert asdict(run) == asdict(make_run(conf={"n": 3}, dag_version="v1"))
    assert run.run_after.tzinfo is not None


def test_unknown_run_is_none(store: RunStore) -> None:
    assert store.get_dag_run("etl", "nope") is None
    assert store.get_dag_run("other", "r1") is None


def test_adding_a_taken_run_id_raises(store: RunStore) -> None:
    # MemoryStore raises KeyError; SqlStore raises DagRunAlreadyExistsError.
    with pytest.raises((DagRunAlreadyExistsError, KeyError)):
        store.add_dag_run(make_run(logical_date=NOW + timedelta(days=1)))


def test_runs_are_listed_per_dag_in_creation_order(store: RunStore) -> None:
    store.add_dag_run(make_run(run_id="r0", logical_date=NOW - timedelta(days=1)))
    store.add_dag_run(make_run(dag_id="other", run_id="r1"))
    assert [r.run_id for r in store.list_dag_runs("etl")] == ["r1", "r0"]
    assert [r.run_id for r in store.list_dag_runs("other")] == ["r1"]
    assert store.list_dag_runs("none") == []


def test_saved_run_changes_are_read_back(store: RunStore) -> None:
    run = store.get_dag_run("etl", "r1")
    assert run is not None
    run.state = DagRunState.FAILED
    run.start_date = NOW
    run.end_date = NOW + timedelta(minutes=5)
    run.reason = "deadlock: no task can run"
    run.note = "looked at it"
    store.save_dag_run(run)
    again = store.get_dag_run("etl", "r1")
    assert again is not None
    assert (again.state, again.end_date, again.reason, again.note) == (
        DagRunState.FAILED,
        NOW + timedelta(minutes=5),
        "deadlock: no task can run",
        "looked at it",
    )


def test_a_run_without_logical_date_is_kept(store_backend: RunStore) -> None:
    store_backend.add_dag_run(
        make_run(run_id="a", logical_date=None, run_type=DagRunType.ASSET_TRIGGERED)
    )
    store_backend.add_dag_run(make_run(run_id="b", logical_date=None))
    run = store_backend.get_dag_run("etl", "a")
    assert run is not None
    assert (run.logical_date, run.run_type) == (None, DagRunType.ASSET_TRIGGERED)
    assert len(store_backend.list_dag_runs("etl")) == 2


def test_a_run_is_one_object_that_sees_saves(store: RunStore) -> None:
    held = store.get_dag_run("etl", "r1")
    other = store.list_dag_runs("etl")[0]
    assert held is other
    assert held is not None
    held.state = DagRunState.RUNNING
    store.save_dag_run(held)
    assert store.get_dag_run("etl", "r1") is held


# -- task instances ----------------------------------------------------------------------


def test_added_task_instances_are_listed(store: RunStore) -> None:
    store.add_task_instances([make_ti("a"), make_ti("b", pool="gpu", priority=5, operator="Bash")])
    listed = {ti.task_id: ti for ti in store.list_task_instances("etl", "r1")}
    assert set(listed) == {"a", "b"}
    assert asdict(listed["b"]) == asdict(make_ti("b", pool="gpu", priority=5, operator="Bash"))


def test_task_instance_is_found_by_its_key(store: RunStore) -> None:
    store.add_task_instances([make_ti("m", 0), make_ti("m", 1)])
    found = store.get_task_instance("etl", "r1", "m", 1)
    assert found is not None
    assert found.key == ("etl", "r1", "m", 1)
    assert store.get_task_instance("etl", "r1", "m", -1) is None
    assert store.get_task_instance("etl", "r2", "m", 0) is None


def test_saved_task_instances_read_back_with_every_field(store: RunStore) -> None:
    store.add_task_instances([make_ti("a"), make_ti("b")])
    a = store.get_task_instance("etl", "r1", "a", -1)
    assert a is not None
    a.state = S.UP_FOR_RETRY
    a.try_number = 2
    a.queued_at = NOW
    a.start_date = NOW + timedelta(seconds=1)
    a.end_date = NOW + timedelta(seconds=3)
    a.next_attempt_at = NOW + timedelta(minutes=5)
    a.reschedule_start_date = NOW
    a.error = "ValueError: bad row"
    a.hostname = "worker-2"
    a.pid = 4242
    a.xcom_lengths = {"return_value": 3}
    a.note = "flaky"
    expected = asdict(a)
    store.save_task_instances([a])
    again = store.get_task_instance("etl", "r1", "a", -1)
    assert again is not None
    assert asdict(again) == expected
    b = store.get_task_instance("etl", "r1", "b", -1)
    assert b is not None
    assert b.state is None


def test_deleted_task_instances_are_gone(store: RunStore) -> None:
    store.add_task_instances([make_ti("m"), make_ti("n")])
    placeholder = store.get_task_instance("etl", "r1", "m", -1)
    assert placeholder is not None
    store.delete_task_instances([placeholder])
    store.add_task_instances([make_ti("m", 0), make_ti("m", 1)])
    keys = sorted((ti.task_id, ti.map_index) for ti in store.list_task_instances("etl", "r1"))
    assert keys == [("m", 0), ("m", 1), ("n", -1)]


def test_task_instances_belong_to_their_run(store: RunStore) -> None:
    store.add_dag_run(make_run(run_id="r2", logical_date=NOW + timedelta(days=1)))
    store.add_task_instances([make_ti("a"), make_ti("a", run_id="r2", state=S.SUCCESS)])
    [r1_ti] = store.list_task_instances("etl", "r1")
    [r2_ti] = store.list_task_instances("etl", "r2")
    assert (r1_ti.state, r2_ti.state) == (None, S.SUCCESS)


def test_a_task_instance_is_one_object_that_sees_saves(store: RunStore) -> None:
    store.add_task_instances([make_ti("a"), make_ti("b")])
    listed = {ti.task_id: ti for ti in store.list_task_instances("etl", "r1")}
    fetched = store.get_task_instance("etl", "r1", "a", -1)
    assert fetched is listed["a"]
    fetched.state = S.SKIPPED
    store.save_task_instances([fetched])
    relisted = {ti.task_id: ti for ti in store.list_task_instances("etl", "r1")}
    assert relisted["a"] is listed["a"]
    assert listed["a"].state is S.SKIPPED


# -- tries -------------------------------------------------------------------------------


def test_tries_are_listed_per_task_in_try_order(store: RunStore) -> None:
    store.add_task_instances([make_ti("a"), make_ti("b")])
    store.add_try(_try("a", 1))
    store.add_try(_try("b", 1, S.SUCCESS))
    store.add_try(_try("a", 2, S.SUCCESS))
    tries = store.list_tries("etl", "r1", "a")
    assert [(t.try_number, t.state, t.error) for t in tries] == [
        (1, S.FAILED, "boom 1"),
        (2, S.SUCCESS, "boom 2"),
    ]
    assert tries[1] == _try("a", 2, S.SUCCESS)
    assert [t.task_id for t in store.list_tries("etl", "r1", "b")] == ["b"]
    assert store.list_tries("etl", "r1", "c") == []


# -- xcom --------------------------------------------------------------------------------


def test_xcom_reads_back_what_was_set_last(store: RunStore) -> None:
    store.set_xcom("etl", "r1", "a", -1, "return_value", '"first"')
    store.set_xcom("etl", "r1", "a", -1, "return_value", '"second"')
    store.set_xcom("etl", "r1", "a", -1, "other", "1")
    assert store.get_xcom("etl", "r1", "a", -1, "return_value") == '"second"'
    assert store.get_xcom("etl", "r1", "a", -1, "other") == "1"
    assert store.get_xcom("etl", "r1", "a", 0, "return_value") is None
    assert store.get_xcom("etl", "r1", "b", -1, "return_value") is None


def test_xcom_of_mapped_instances_is_listed_by_map_index(store: RunStore) -> None:
    for map_index in (2, 0, 1):
        store.set_xcom("etl", "r1", "m", map_index, "return_value", str(map_index * 10))
    store.set_xcom("etl", "r1", "m", 0, "other", "x")
    store.set_xcom("etl", "r1", "n", 0, "return_value", "n")
    assert store.list_xcom("etl", "r1", "m", "return_value") == [(0, "0"), (1, "10"), (2, "20")]
    assert store.list_xcom("etl", "r1", "m", "missing") == []


def test_deleting_xcom_clears_one_map_index(store: RunStore) -> None:
    store.set_xcom("etl", "r1", "m", 0, "return_value", "a")
    store.set_xcom("etl", "r1", "m", 0, "other", "b")
    store.set_xcom("etl", "r1", "m", 1, "return_value", "c")
    store.delete_xcom("etl", "r1", "m", 0)
    assert store.get_xcom("etl", "r1", "m", 0, "return_value") is None
    assert store.get_xcom("etl", "r1", "m", 0, "other") is None
    assert store.list_xcom("etl", "r1", "m", "return_value") == [(1, "c")]


# -- variables ---------------------------------------------------------------------------


def test_variables_read_back_what_was_set_last(store: RunStore) -> None:
    assert store.get_variable("threshold") is None
    store.set_variable("threshold", "3")
    store.set_variable("threshold", "4")
    store.set_variable("other", '{"a": 1}')
    assert store.get_variable("threshold") == "4"
    assert store.get_variable("other") == '{"a": 1}'


def test_connections_are_read_with_their_password(store: RunStore) -> None:
    assert store.get_connection("warehouse") is None
    fields = {"host": "db.internal", "login": "etl", "password": "s3cret", "port": 5432}
    if isinstance(store, MemoryStore):
        store.connections["warehouse"] = {"conn_id": "warehouse", "conn_type": "postgres", **fields}
    else:
        from tradewind.storage.repos.connections import create_connection

        create_connection(
            session=store.session,  # type: ignore[attr-defined]
            conn_id="warehouse",
            conn_type="postgres",
            **fields,
        )
    found = store.get_connection("warehouse")
    assert found is not None
    assert (found["conn_type"], found["host"], found["password"], found["port"]) == (
        "postgres",
        "db.internal",
        "s3cret",
        5432,
    )


def test_latest_xcom_comes_from_the_newest_run_not_after_the_given_date(store: RunStore) -> None:
    for number, days in ((1, 0), (2, 1), (3, 2)):
        store.add_dag_run(
            make_run(dag_id="history", run_id=f"h{number}", logical_date=NOW + timedelta(days=days))
        )
    store.set_xcom("history", "h1", "t", -1, "return_value", '"first"')
    store.set_xcom("history", "h3", "t", -1, "return_value", '"third"')

    # h2 pushed nothing: the value comes from h1, never from the later h3.
    assert (
        store.get_latest_xcom("history", "t", -1, "return_value", until=NOW + timedelta(days=1))
        == '"first"'
    )
    assert (
        store.get_latest_xcom("history", "t", -1, "return_value", until=NOW + timedelta(days=5))
        == '"third"'
    )
    assert store.get_latest_xcom("history", "t", -1, "other", until=NOW + timedelta(days=5)) is None


def test_previous_task_states_come_from_the_latest_earlier_run(store: RunStore) -> None:
    for number, days in ((1, 0), (2, 1), (3, 2)):
        store.add_dag_run(
            make_run(dag_id="past", run_id=f"p{number}", logical_date=NOW + timedelta(days=days))
        )
    store.add_task_instances(
        [
            make_ti("load", dag_id="past", run_id="p1", state=S.FAILED),
            make_ti("load", dag_id="past", run_id="p2", state=S.SUCCESS),
            make_ti("load", dag_id="past", run_id="p3", state=S.RUNNING),
        ]
    )
    assert store.get_previous_task_states("past", "p3", before=NOW + timedelta(days=2)) == {
        ("load", -1): S.SUCCESS
    }
    assert store.get_previous_task_states("past", "p1", before=NOW) == {}
