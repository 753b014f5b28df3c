from tradewind.contracts.states import TaskInstanceState as S
from tradewind.core.limits import Occupancy, pick_queueable
from tradewind.storage.records import TaskInstanceRecord


def _ti(
    task_id: str, *, priority: int = 1, pool: str = "default_pool", slots: int = 1, dag: str = "d"
) -> TaskInstanceRecord:
    return TaskInstanceRecord(
        dag_id=dag, run_id="r", task_id=task_id, priority=priority, pool=pool, pool_slots=slots
    )


def test_highest_priority_is_queued_first_when_slots_are_scarce() -> None:
    ready = [_ti("low", priority=1), _ti("high", priority=5), _ti("mid", priority=3)]
    chosen = pick_queueable(ready, Occupancy(free_slots=2, pool_free={"default_pool": 10}))
    assert [ti.task_id for ti in chosen] == ["high", "mid"]


def test_full_pool_does_not_block_tasks_of_other_pools() -> None:
    ready = [_ti("a", priority=9, pool="small"), _ti("b", priority=1, pool="big")]
    chosen = pick_queueable(ready, Occupancy(free_slots=5, pool_free={"small": 0, "big": 1}))
    assert [ti.task_id for ti in chosen] == ["b"]


def test_pool_slots_count_per_task() -> None:
    ready = [_ti("wide", slots=3), _ti("narrow", slots=1)]
    chosen = pick_queueable(ready, Occupancy(free_slots=5, pool_free={"default_pool": 3}))
    # Equal priority keeps the given order: "wide" takes all three slots, "narrow" waits.
    assert [ti.task_id for ti in chosen] == ["wide"]


def test_task_in_unknown_pool_never_runs() -> None:
    assert pick_queueable([_ti("a", pool="missing")], Occupancy(free_slots=5)) == []


def test_max_active_tasks_per_dag_is_respected() -> None:
    ready = [_ti(f"t{i}") for i in range(5)]
    occupancy = Occupancy(
        free_slots=10, pool_free={"default_pool": 10}, dag_active={"d": 1}, dag_limit={"d": 3}
    )
    assert len(pick_queueable(ready, occupancy)) == 2


def test_max_active_tis_per_dag_limits_one_task() -> None:
    ready = [TaskInstanceRecord(dag_id="d", run_id=f"r{i}", task_id="t") for i in range(4)]
    occupancy = Occupancy(free_slots=10, pool_free={"default_pool": 10}, task_limit={("d", "t"): 2})
    assert len(pick_queueable(ready, occupancy)) == 2


def _mapped(run_id: str, count: int) -> list[TaskInstanceRecord]:
    return [
        TaskInstanceRecord(dag_id="d", run_id=run_id, task_id="m", map_index=i)
        for i in range(count)
    ]


def test_max_active_tis_per_dagrun_limits_a_task_within_each_run() -> None:
    occupancy = Occupancy(
        free_slots=20,
        pool_free={"default_pool": 20},
        run_task_active={("d", "r1", "m"): 1},
        run_task_limit={("d", "r1", "m"): 3, ("d", "r2", "m"): 3},
    )

    chosen = pick_queueable(_mapped("r1", 5) + _mapped("r2", 5), occupancy)

    # r1 has one running already: two more; r2 starts three; the lowest map indexes first.
    assert [(ti.run_id, ti.map_index) for ti in chosen] == [
        ("r1", 0),
        ("r1", 1),
        ("r2", 0),
        ("r2", 1),
        ("r2", 2),
    ]


def test_a_run_at_its_per_run_limit_does_not_hold_back_other_tasks() -> None:
    occupancy = Occupancy(
        free_slots=20,
        pool_free={"default_pool": 20},
        run_task_active={("d", "r1", "m"): 2},
        run_task_limit={("d", "r1", "m"): 2},
    )
    ready = [*_mapped("r1", 3), TaskInstanceRecord(dag_id="d", run_id="r1", task_id="other")]

    assert [ti.task_id for ti in pick_queueable(ready, occupancy)] == ["other"]


def test_run_usage_counts_only_queued_running_and_deferred_instances() -> None:
    occupancy = Occupancy(free_slots=1)
    states = [
        ("m", 0, S.RUNNING),
        ("m", 1, S.QUEUED),
        ("m", 2, S.DEFERRED),
        ("m", 3, S.SCHEDULED),
        ("m", 4, S.SUCCESS),
        ("n", -1, None),
    ]

    occupancy.count_run_usage("d", "r1", states)

    assert occupancy.run_task_active == {("d", "r1", "m"): 3}
