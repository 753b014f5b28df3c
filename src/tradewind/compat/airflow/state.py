"""``airflow.utils.state``: ``State`` and the two state enums."""

from __future__ import annotations

from typing import Final

from tradewind.contracts.states import DagRunState, TaskInstanceState

__all__ = ["DagRunState", "State", "TaskInstanceState"]

_TI = TaskInstanceState


class State:
    """Airflow's catch-all namespace of task and run states, as plain strings."""

    NONE: Final = None
    SCHEDULED: Final = _TI.SCHEDULED.value
    QUEUED: Final = _TI.QUEUED.value
    RUNNING: Final = _TI.RUNNING.value
    SUCCESS: Final = _TI.SUCCESS.value
    FAILED: Final = _TI.FAILED.value
    UP_FOR_RETRY: Final = _TI.UP_FOR_RETRY.value
    UP_FOR_RESCHEDULE: Final = _TI.UP_FOR_RESCHEDULE.value
    UPSTREAM_FAILED: Final = _TI.UPSTREAM_FAILED.value
    SKIPPED: Final = _TI.SKIPPED.value
    REMOVED: Final = _TI.REMOVED.value
    DEFERRED: Final = _TI.DEFERRED.value

    task_states: Final = (None, *(state.value for state in TaskInstanceState))
    dag_states: Final = tuple(state.value for state in DagRunState)
    finished: Final = frozenset({SUCCESS, FAILED, SKIPPED, UPSTREAM_FAILED, REMOVED})
    unfinished: Final = frozenset(
        {None, SCHEDULED, QUEUED, RUNNING, UP_FOR_RETRY, UP_FOR_RESCHEDULE, DEFERRED}
    )
    failed_states: Final = frozenset({FAILED, UPSTREAM_FAILED})
    success_states: Final = frozenset({SUCCESS, SKIPPED})
