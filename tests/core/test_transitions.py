"""The task-instance state machine: which changes are allowed and what each one records."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tradewind.contracts.states import TERMINAL_TASK_STATES
from tradewind.contracts.states import TaskInstanceState as S
from tradewind.core import transitions as tr
from tradewind.errors import InvalidTransitionError
from tradewind.storage.records import TaskInstanceRecord

NOW = datetime(2024, 1, 1, 12, tzinfo=UTC)
ALL_STATES: list[S | None] = [None, *S]


def ti(state: S | None = None, **fields: Any) -> TaskInstanceRecord:
    record = TaskInstanceRecord(dag_id="d", run_id="r", task_id="t", **fields)
    record.state = state
    return record


ALLOWED: dict[tr.Transition, set[S | None]] = {
    tr.SCHEDULE: {None, S.UP_FOR_RETRY, S.UP_FOR_RESCHEDULE},
    tr.QUEUE: {S.SCHEDULED},
    tr.START: {S.SCHEDULED, S.QUEUED},
    tr.SUCCEED: {S.RUNNING, S.QUEUED},
    tr.FAIL: {S.RUNNING, S.QUEUED, S.SCHEDULED},
    tr.RETRY: {S.RUNNING, S.QUEUED},
    tr.RESCHEDULE: {S.RUNNING},
    tr.SKIP: {None, S.SCHEDULED, S.QUEUED, S.RUNNING, S.UP_FOR_RETRY},
    tr.MARK_UPSTREAM_FAILED: {None, S.SCHEDULED, S.UP_FOR_RETRY},
    tr.REMOVE: set(ALL_STATES) - TERMINAL_TASK_STATES,
    tr.CLEAR: set(ALL_STATES),
    tr.MARK_SUCCESS: set(ALL_STATES),
    tr.MARK_FAILED: set(ALL_STATES),
    tr.MARK_SKIPPED: set(ALL_STATES),
}

CASES = [
    pytest.param(transition, source, source in allowed, id=f"{transition.name}-from-{source}")
    for transition, allowed in ALLOWED.items()
    for source in ALL_STATES
]


@pytest.mark.parametrize(("transition", "source", "allowed"), CASES)
def test_transition_is_allowed_only_from_its_source_states(transition, source, allowed):
    record = ti(source)
    assert transition.allowed(record) is allowed
    if allowed:
        transition.apply(record, NOW)
        assert record.state is transition.target
    else:
        with pytest.raises(InvalidTransitionError):
            transition.apply(record, NOW)
        assert record.state is source


def test_forbidden_transition_names_the_task_its_run_and_its_state():
    record = ti(S.SUCCESS, map_index=3)
    with pytest.raises(InvalidTransitionError) as caught:
        tr.QUEUE.apply(record, NOW)
    assert str(caught.value) == ("Cannot queue task 't' (map index 3) of run 'r': it is success.")


def test_scheduling_starts_a_new_try():
    record = ti(None)
    tr.SCHEDULE.apply(record, NOW)
    assert record.try_number == 1
    record.state = S.UP_FOR_RETRY
    record.next_attempt_at = NOW
    tr.SCHEDULE.apply(record, NOW)
    assert (record.try_number, record.next_attempt_at) == (2, None)


def test_scheduling_a_rescheduled_sensor_keeps_its_try():
    first_start = NOW - timedelta(minutes=5)
    record = ti(S.UP_FOR_RESCHEDULE, try_number=1, reschedule_start_date=first_start)
    tr.SCHEDULE.apply(record, NOW)
    assert (record.try_number, record.reschedule_start_date) == (1, first_start)


def test_queueing_records_when():
    record = ti(S.SCHEDULED)
    tr.QUEUE.apply(record, NOW)
    assert record.queued_at == NOW


def test_starting_records_the_start_and_clears_the_last_error():
    record = ti(S.QUEUED, error="old failure", end_date=NOW - timedelta(hours=1))
    tr.START.apply(record, NOW)
    assert (record.start_date, record.end_date, record.error) == (NOW, None, None)
    assert record.reschedule_start_date == NOW


@pytest.mark.parametrize("transition", [tr.SUCCEED, tr.FAIL, tr.RETRY])
def test_ending_a_try_records_the_end(transition):
    record = ti(S.RUNNING, start_date=NOW - timedelta(seconds=3))
    transition.apply(record, NOW)
    assert record.end_date == NOW
    assert record.duration == 3.0


def test_skipping_a_task_that_never_started_gives_it_a_zero_duration():
    record = ti(None)
    tr.SKIP.apply(record, NOW)
    assert (record.state, record.start_date, record.end_date) == (S.SKIPPED, NOW, NOW)


def test_clearing_forgets_dates_and_error_but_keeps_the_try_count():
    record = ti(S.FAILED, try_number=2, start_date=NOW, end_date=NOW, queued_at=NOW, error="x")
    tr.CLEAR.apply(record, NOW)
    assert record.state is None
    assert (record.start_date, record.end_date, record.queued_at, record.error) == (
        None,
        None,
        None,
        None,
    )
    assert record.try_number == 2


def test_reported_end_states_map_to_their_transitions():
    assert tr.BY_REPORTED_STATE == {
        S.SUCCESS: tr.SUCCEED,
        S.FAILED: tr.FAIL,
        S.UP_FOR_RETRY: tr.RETRY,
        S.SKIPPED: tr.SKIP,
        S.UP_FOR_RESCHEDULE: tr.RESCHEDULE,
    }
