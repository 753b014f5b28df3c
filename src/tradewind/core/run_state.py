"""Judging a DAG run's state from its task instances (Airflow's leaf rule)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from tradewind.contracts.states import (
    ACTIVE_TASK_STATES,
    FAILED_TASK_STATES,
    TERMINAL_TASK_STATES,
    DagRunState,
)
from tradewind.contracts.states import TaskInstanceState as S
from tradewind.core.spec_index import SpecIndex
from tradewind.storage.records import TaskInstanceRecord

_PENDING_WORK = ACTIVE_TASK_STATES | {S.SCHEDULED, S.UP_FOR_RETRY, S.UP_FOR_RESCHEDULE}


@dataclass(frozen=True, slots=True)
class RunVerdict:
    state: DagRunState
    reason: str | None = None


def judge_run(index: SpecIndex, tis: Iterable[TaskInstanceRecord]) -> RunVerdict:
    """``success`` or ``failed`` once every task instance is finished, else ``running``.

    A finished run failed when one of the tasks that decide its state (the leaves, looking
    through teardowns) failed or was upstream-failed. A run with unfinished task instances
    none of which can make progress is deadlocked, and fails.
    """
    items = list(tis)
    unfinished = [ti for ti in items if ti.state not in TERMINAL_TASK_STATES]
    if unfinished:
        if any(ti.state in _PENDING_WORK for ti in unfinished):
            return RunVerdict(DagRunState.RUNNING)
        return RunVerdict(DagRunState.RUNNING, "waiting for upstream tasks")
    deciders = [ti for ti in items if ti.task_id in index.run_state_tasks]
    if any(ti.state in FAILED_TASK_STATES for ti in deciders):
        # Name the tasks that failed themselves, not the leaves that failed because of them.
        failed = sorted({ti.task_id for ti in items if ti.state is S.FAILED}) or sorted(
            {ti.task_id for ti in deciders if ti.state in FAILED_TASK_STATES}
        )
        return RunVerdict(DagRunState.FAILED, f"task(s) failed: {', '.join(failed)}")
    return RunVerdict(DagRunState.SUCCESS)


def is_deadlocked(tis: Iterable[TaskInstanceRecord], ready_count: int, wakeup: object) -> bool:
    """Unfinished task instances remain, yet nothing runs, is ready, or waits for a time."""
    unfinished = [ti for ti in tis if ti.state not in TERMINAL_TASK_STATES]
    return (
        bool(unfinished)
        and ready_count == 0
        and wakeup is None
        and not any(ti.state in _PENDING_WORK for ti in unfinished)
    )
