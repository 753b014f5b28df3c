"""The states of task instances and DAG runs, and the sets the engine reasons with."""

from __future__ import annotations

from enum import StrEnum


class TaskInstanceState(StrEnum):
    """Where one task instance (a task in a run, at one map index) stands."""

    SCHEDULED = "scheduled"
    QUEUED = "queued"
    RUNNING = "running"
    SUCCESS = "success"
    FAILED = "failed"
    UP_FOR_RETRY = "up_for_retry"
    UP_FOR_RESCHEDULE = "up_for_reschedule"
    DEFERRED = "deferred"
    SKIPPED = "skipped"
    UPSTREAM_FAILED = "upstream_failed"
    REMOVED = "removed"

    def __str__(self) -> str:
        return self.value


class DagRunState(StrEnum):
    """Where one DAG run stands."""

    QUEUED = "queued"
    RUNNING = "running"
    SUCCESS = "success"
    FAILED = "failed"

    def __str__(self) -> str:
        return self.value


class TriggerRule(StrEnum):
    """When a task runs, judged from the states of its direct upstream tasks."""

    ALL_SUCCESS = "all_success"
    ALL_FAILED = "all_failed"
    ALL_DONE = "all_done"
    ALL_DONE_MIN_ONE_SUCCESS = "all_done_min_one_success"
    ALL_DONE_SETUP_SUCCESS = "all_done_setup_success"
    ALL_SKIPPED = "all_skipped"
    ONE_SUCCESS = "one_success"
    ONE_FAILED = "one_failed"
    ONE_DONE = "one_done"
    NONE_FAILED = "none_failed"
    NONE_FAILED_MIN_ONE_SUCCESS = "none_failed_min_one_success"
    NONE_SKIPPED = "none_skipped"
    ALWAYS = "always"

    def __str__(self) -> str:
        return self.value


#: A task instance in one of these states will not change again unless a user clears it.
TERMINAL_TASK_STATES = frozenset(
    {
        TaskInstanceState.SUCCESS,
        TaskInstanceState.FAILED,
        TaskInstanceState.SKIPPED,
        TaskInstanceState.UPSTREAM_FAILED,
        TaskInstanceState.REMOVED,
    }
)

#: Terminal states that count as failure when judging a run.
FAILED_TASK_STATES = frozenset({TaskInstanceState.FAILED, TaskInstanceState.UPSTREAM_FAILED})

#: Terminal states that count as success when judging a run.
SUCCESS_TASK_STATES = frozenset({TaskInstanceState.SUCCESS, TaskInstanceState.SKIPPED})

#: A try is under way: the task holds an executor slot.
ACTIVE_TASK_STATES = frozenset(
    {TaskInstanceState.QUEUED, TaskInstanceState.RUNNING, TaskInstanceState.DEFERRED}
)

TERMINAL_RUN_STATES = frozenset({DagRunState.SUCCESS, DagRunState.FAILED})
