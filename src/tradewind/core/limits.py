"""Which ready task instances may be queued now: pools, concurrency limits, priority."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from tradewind.contracts.states import ACTIVE_TASK_STATES
from tradewind.contracts.states import TaskInstanceState as S
from tradewind.storage.records import TaskInstanceRecord


@dataclass
class Occupancy:
    """What is running now, and the limits that apply to it."""

    #: Executor slots left (parallelism minus running tries).
    free_slots: int
    #: Pool name → slots still free; a task in an unknown pool never runs.
    pool_free: dict[str, int] = field(default_factory=dict)
    #: dag_id → active tries, and dag_id → max_active_tasks.
    dag_active: dict[str, int] = field(default_factory=dict)
    dag_limit: dict[str, int] = field(default_factory=dict)
    #: (dag_id, task_id) → active tries, and → max_active_tis_per_dag (None: no limit).
    task_active: dict[tuple[str, str], int] = field(default_factory=dict)
    task_limit: dict[tuple[str, str], int | None] = field(default_factory=dict)
    #: (dag_id, run_id, task_id) → active tries in that run, and → max_active_tis_per_dagrun
    #: (only tasks that set it).
    run_task_active: dict[tuple[str, str, str], int] = field(default_factory=dict)
    run_task_limit: dict[tuple[str, str, str], int] = field(default_factory=dict)

    def dag_is_full(self, dag_id: str) -> bool:
        """Whether the DAG runs as many tries as its max_active_tasks allows."""
        return self.dag_active.get(dag_id, 0) >= self.dag_limit.get(dag_id, 1 << 30)

    def count_run_usage(
        self, dag_id: str, run_id: str, states: Iterable[tuple[str, int, S | None]]
    ) -> None:
        """Count the active instances among one run's (task_id, map_index, state)."""
        for task_id, _, state in states:
            if state in ACTIVE_TASK_STATES:
                key = (dag_id, run_id, task_id)
                self.run_task_active[key] = self.run_task_active.get(key, 0) + 1


def pick_queueable(
    ready: Iterable[TaskInstanceRecord], occupancy: Occupancy
) -> list[TaskInstanceRecord]:
    """The ready instances to queue now, highest priority first, within every limit.

    An instance blocked by one limit does not block lower-priority instances that other
    limits allow (a full pool does not stop tasks of other pools).
    """
    chosen: list[TaskInstanceRecord] = []
    for ti in sorted(ready, key=lambda t: (-t.priority, t.dag_id, t.run_id, t.map_index)):
        if occupancy.free_slots <= 0:
            break
        if occupancy.pool_free.get(ti.pool, 0) < ti.pool_slots:
            continue
        if occupancy.dag_is_full(ti.dag_id):
            continue
        task_key = (ti.dag_id, ti.task_id)
        limit = occupancy.task_limit.get(task_key)
        if limit is not None and occupancy.task_active.get(task_key, 0) >= limit:
            continue
        run_key = (ti.dag_id, ti.run_id, ti.task_id)
        run_limit = occupancy.run_task_limit.get(run_key)
        if run_limit is not None and occupancy.run_task_active.get(run_key, 0) >= run_limit:
            continue
        chosen.append(ti)
        occupancy.free_slots -= 1
        occupancy.pool_free[ti.pool] -= ti.pool_slots
        occupancy.dag_active[ti.dag_id] = occupancy.dag_active.get(ti.dag_id, 0) + 1
        occupancy.task_active[task_key] = occupancy.task_active.get(task_key, 0) + 1
        occupancy.run_task_active[run_key] = occupancy.run_task_active.get(run_key, 0) + 1
    return chosen
