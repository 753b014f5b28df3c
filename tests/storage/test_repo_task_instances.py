"""Task-instance repository and pool usage, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session
from storage_factories import NOW, make_run, make_ti

from tradewind.contracts.dagspec import DagSpec, TaskSpec
from tradewind.contracts.runs import TaskInstanceKey
from tradewind.contracts.states import DagRunState
from tradewind.contracts.states import TaskInstanceState as S
from tradewind.storage.repos import dags, pools, task_instances
from tradewind.storage.sql_store import SqlStore


def _setup(
    session: Session, *, paused: bool = False, run_state: DagRunState = DagRunState.RUNNING
) -> SqlStore:
    spec = DagSpec(
        dag_id="etl", fileloc="/dags/etl.py", timetable={}, tasks={"t": TaskSpec("t", "X")}
    )
    dags.upsert_dags(session=session, specs=[spec], sources={}, now=NOW, paused_at_creation=paused)
    store = SqlStore(session)
    store.add_dag_run(make_run(state=run_state))
    return store


def test_scheduled_instances_to_queue_come_by_priority(session: Session) -> None:
    store = _setup(session)
    store.add_task_instances(
        [
            make_ti("low", state=S.SCHEDULED, priority=1),
            make_ti("high", state=S.SCHEDULED, priority=9),
            make_ti("mid", 1, state=S.SCHEDULED, priority=5),
            make_ti("mid", 0, state=S.SCHEDULED, priority=5),
            make_ti("waiting"),
            make_ti("running", state=S.RUNNING, priority=99),
        ]
    )
    claimed = task_instances.list_task_instances_to_queue(session=session, limit=3)
    assert [(ti.task_id, ti.map_index) for ti in claimed] == [("high", -1), ("mid", 0), ("mid", 1)]


def test_nothing_is_queued_for_paused_dags_or_runs_not_running(session: Session) -> None:
    store = _setup(session, paused=True)
    store.add_task_instances([make_ti("t", state=S.SCHEDULED)])
    assert task_instances.list_task_instances_to_queue(session=session, limit=10) == []
    dags.update_dags_paused(session=session, dag_ids=["etl"], is_paused=False)
    assert len(task_instances.list_task_instances_to_queue(session=session, limit=10)) == 1
    run = store.get_dag_run("etl", "r1")
    assert run is not None
    run.state = DagRunState.SUCCESS
    store.save_dag_run(run)
    assert task_instances.list_task_instances_to_queue(session=session, limit=10) == []


def test_states_change_in_one_statement_from_allowed_states_only(session: Session) -> None:
    store = _setup(session)
    store.add_task_instances(
        [make_ti("a", state=S.SCHEDULED), make_ti("b"), make_ti("c", state=S.RUNNING)]
    )
    held = task_instances.get_task_instance(session=session, dag_id="etl", run_id="r1", task_id="a")
    assert held is not None
    keys = [("etl", "r1", task_id, -1) for task_id in ("a", "b", "c")]
    changed = task_instances.update_task_instance_states(
        session=session,
        keys=keys,
        state=S.QUEUED,
        from_states=[S.SCHEDULED, None],
        values={"queued_at": NOW},
    )
    assert changed == 2
    assert (held.state, held.queued_at) == (S.QUEUED, NOW)
    states = {ti.task_id: ti.state for ti in task_instances.list_task_instances(session=session)}
    assert states == {"a": S.QUEUED, "b": S.QUEUED, "c": S.RUNNING}
    queued = task_instances.list_task_instances(session=session, dag_id="etl", states=[S.QUEUED])
    assert [ti.task_id for ti in queued] == ["a", "b"]


def test_only_the_current_running_try_heartbeats(session: Session) -> None:
    store = _setup(session)
    store.add_task_instances(
        [make_ti("a", state=S.RUNNING, try_number=2), make_ti("b", state=S.QUEUED, try_number=1)]
    )
    beat = task_instances.update_task_instance_heartbeat
    assert beat(session=session, key=TaskInstanceKey("etl", "r1", "a", -1, 2), now=NOW)
    assert not beat(session=session, key=TaskInstanceKey("etl", "r1", "a", -1, 1), now=NOW)
    assert not beat(session=session, key=TaskInstanceKey("etl", "r1", "b", -1, 1), now=NOW)
    row = task_instances.get_task_instance(session=session, dag_id="etl", run_id="r1", task_id="a")
    assert row is not None
    assert row.last_heartbeat_at == NOW


def test_running_instances_silent_too_long_are_zombies(session: Session) -> None:
    store = _setup(session)
    old = NOW - timedelta(minutes=10)
    store.add_task_instances(
        [
            make_ti("silent", state=S.RUNNING, start_date=old),
            make_ti("fresh", state=S.RUNNING, start_date=old),
            make_ti("never", state=S.RUNNING, start_date=NOW),
            make_ti("done", state=S.SUCCESS, start_date=old),
        ]
    )
    task_instances.update_task_instance_heartbeat(
        session=session, key=TaskInstanceKey("etl", "r1", "fresh", -1, 0), now=NOW
    )
    zombies = task_instances.list_zombie_task_instances(
        session=session, heartbeat_before=NOW - timedelta(minutes=5), limit=10
    )
    assert [ti.task_id for ti in zombies] == ["silent"]


def test_active_instances_are_counted_per_task(session: Session) -> None:
    store = _setup(session)
    store.add_task_instances(
        [
            make_ti("m", 0, state=S.RUNNING),
            make_ti("m", 1, state=S.QUEUED),
            make_ti("m", 2, state=S.SUCCESS),
            make_ti("n", state=S.DEFERRED),
            make_ti("o", state=S.SCHEDULED),
        ]
    )
    counts = task_instances.count_active_task_instances(session=session)
    assert counts == {("etl", "m"): 2, ("etl", "n"): 1}
    assert task_instances.count_active_task_instances(session=session, dag_ids=["other"]) == {}


def test_pool_usage_counts_slots_of_active_instances(session: Session) -> None:
    store = _setup(session)
    pools.create_pool(session=session, name="gpu", slots=4, include_deferred=True)
    pools.create_pool(session=session, name="empty", slots=2)
    store.add_task_instances(
        [
            make_ti("a", state=S.RUNNING, pool="gpu", pool_slots=2),
            make_ti("b", state=S.QUEUED, pool="gpu"),
            make_ti("c", state=S.DEFERRED, pool="gpu"),
            make_ti("d", state=S.SCHEDULED, pool="gpu"),
            make_ti("e", state=S.RUNNING),
            make_ti("f", state=S.DEFERRED),
        ]
    )
    usage = {u.name: u for u in pools.list_pool_usage(session=session)}
    assert (usage["gpu"].running, usage["gpu"].queued, usage["gpu"].deferred) == (2, 1, 1)
    assert (usage["gpu"].occupied, usage["gpu"].open) == (4, 0)
    assert (usage["default_pool"].occupied, usage["default_pool"].open) == (1, 127)
    assert (usage["empty"].occupied, usage["empty"].open) == (0, 2)
