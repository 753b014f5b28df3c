"""Every change of a task instance's state, as a small rule: from which states, to which.

Nothing else in Tradewind assigns ``TaskInstanceRecord.state``; a change not allowed by a
rule raises :class:`~tradewind.errors.InvalidTransitionError`. The changes users make to a
whole DAG run (clear it, mark it) are rules too: :class:`RunTransition`, at the end.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from tradewind.contracts.states import TERMINAL_RUN_STATES, TERMINAL_TASK_STATES, DagRunState
from tradewind.contracts.states import TaskInstanceState as S
from tradewind.errors import InvalidTransitionError
from tradewind.storage.records import DagRunRecord, TaskInstanceRecord

_WAITING = frozenset({None, S.SCHEDULED, S.UP_FOR_RETRY, S.UP_FOR_RESCHEDULE})
_ANY: frozenset[S | None] = frozenset({None, *S})

Recorder = Callable[[TaskInstanceRecord, datetime], None]


def _noop(ti: TaskInstanceRecord, now: datetime) -> None:
    pass


def _on_schedule(ti: TaskInstanceRecord, now: datetime) -> None:
    # A rescheduled sensor keeps its try; anything else starts a new one.
    if ti.state is not S.UP_FOR_RESCHEDULE:
        ti.try_number += 1
        ti.reschedule_start_date = None
    ti.next_attempt_at = None


def _on_queue(ti: TaskInstanceRecord, now: datetime) -> None:
    ti.queued_at = now


def _on_start(ti: TaskInstanceRecord, now: datetime) -> None:
    ti.start_date = now
    ti.end_date = None
    ti.error = None
    if ti.reschedule_start_date is None:
        ti.reschedule_start_date = now


def _on_end(ti: TaskInstanceRecord, now: datetime) -> None:
    ti.end_date = now
    if ti.start_date is None:
        ti.start_date = now


def _on_clear(ti: TaskInstanceRecord, now: datetime) -> None:
    ti.start_date = ti.end_date = ti.queued_at = ti.next_attempt_at = None
    ti.reschedule_start_date = None
    ti.error = None


@dataclass(frozen=True, slots=True)
class Transition:
    name: str
    sources: frozenset[S | None]
    target: S | None
    record: Recorder = _noop

    def apply(self, ti: TaskInstanceRecord, now: datetime) -> None:
        if ti.state not in self.sources:
            raise InvalidTransitionError(
                f"Cannot {self.name} task {ti.task_id!r} (map index {ti.map_index}) of run "
                f"{ti.run_id!r}: it is {ti.state or 'without a state'}."
            )
        self.record(ti, now)
        ti.state = self.target

    def allowed(self, ti: TaskInstanceRecord) -> bool:
        return ti.state in self.sources


SCHEDULE = Transition("schedule", _WAITING - {S.SCHEDULED}, S.SCHEDULED, _on_schedule)
QUEUE = Transition("queue", frozenset({S.SCHEDULED}), S.QUEUED, _on_queue)
START = Transition("start", frozenset({S.QUEUED, S.SCHEDULED}), S.RUNNING, _on_start)
SUCCEED = Transition("succeed", frozenset({S.RUNNING, S.QUEUED}), S.SUCCESS, _on_end)
FAIL = Transition("fail", frozenset({S.RUNNING, S.QUEUED, S.SCHEDULED}), S.FAILED, _on_end)
RETRY = Transition("retry", frozenset({S.RUNNING, S.QUEUED}), S.UP_FOR_RETRY, _on_end)
RESCHEDULE = Transition("reschedule", frozenset({S.RUNNING}), S.UP_FOR_RESCHEDULE, _on_end)
SKIP = Transition(
    "skip", frozenset({None, S.SCHEDULED, S.QUEUED, S.RUNNING, S.UP_FOR_RETRY}), S.SKIPPED, _on_end
)
MARK_UPSTREAM_FAILED = Transition(
    "mark upstream-failed",
    frozenset({None, S.SCHEDULED, S.UP_FOR_RETRY}),
    S.UPSTREAM_FAILED,
    _on_end,
)
REMOVE = Transition("remove", _ANY - TERMINAL_TASK_STATES, S.REMOVED, _noop)
CLEAR = Transition("clear", _ANY, None, _on_clear)
#: A try that was queued or running under a scheduler that is gone: plan it again.
RESET_ORPHAN = Transition(
    "reset orphaned", frozenset({S.QUEUED, S.RUNNING, S.DEFERRED}), None, _on_clear
)
MARK_SUCCESS = Transition("mark success", _ANY, S.SUCCESS, _on_end)
MARK_FAILED = Transition("mark failed", _ANY, S.FAILED, _on_end)
MARK_SKIPPED = Transition("mark skipped", _ANY, S.SKIPPED, _on_end)

#: How a try's reported end state is applied.
BY_REPORTED_STATE = {
    S.SUCCESS: SUCCEED,
    S.FAILED: FAIL,
    S.UP_FOR_RETRY: RETRY,
    S.SKIPPED: SKIP,
    S.UP_FOR_RESCHEDULE: RESCHEDULE,
}


# -- DAG runs: the changes users ask for ---------------------------------------------------------

RunRecorder = Callable[[DagRunRecord, datetime], None]


def _on_run_queue(run: DagRunRecord, now: datetime) -> None:
    # As Airflow's DagRun.set_state(QUEUED): the run starts over, the scheduler starts it.
    run.queued_at = now
    run.start_date = run.end_date = None
    run.reason = None


def _on_run_marked(run: DagRunRecord, now: datetime) -> None:
    run.end_date = now
    run.reason = f"marked {run.state} by a user"


@dataclass(frozen=True, slots=True)
class RunTransition:
    """A change of a DAG run's state that a user asks for (clear, mark success/failed)."""

    name: str
    sources: frozenset[DagRunState]
    target: DagRunState
    record: RunRecorder

    def apply(self, run: DagRunRecord, now: datetime) -> None:
        if run.state not in self.sources:
            raise InvalidTransitionError(
                f"Cannot {self.name} run {run.run_id!r} of DAG {run.dag_id!r}: it is {run.state}."
            )
        run.state = self.target
        self.record(run, now)

    def allowed(self, run: DagRunRecord) -> bool:
        return run.state in self.sources


#: Task instances of a finished run were cleared: the run is queued again (Airflow's
#: ``clear_task_instances``). Runs still queued or running keep their state.
REQUEUE_RUN = RunTransition("queue again", TERMINAL_RUN_STATES, DagRunState.QUEUED, _on_run_queue)
#: "Mark run success": the operation (server.run_operations) marks its task instances first.
MARK_RUN_SUCCESS = RunTransition(
    "mark success", frozenset(DagRunState), DagRunState.SUCCESS, _on_run_marked
)
#: "Mark run failed": running task instances fail, pending ones are skipped first.
MARK_RUN_FAILED = RunTransition(
    "mark failed", frozenset(DagRunState), DagRunState.FAILED, _on_run_marked
)
#: "Mark run queued": the scheduler starts it again; its task instances are left as they are.
MARK_RUN_QUEUED = RunTransition(
    "mark queued", frozenset(DagRunState), DagRunState.QUEUED, _on_run_queue
)
