"""Moving one DAG run forward: create it, plan it, hand out workloads, apply events.

The same driver runs ``dags test`` (in-memory store, inline executor) and, through the
scheduler, every run on a server (SQL store, local or Celery executor).
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable
from datetime import datetime, timedelta
from typing import Any

from tradewind.contracts.dagspec import DagSpec, TaskSpec
from tradewind.contracts.events import TaskEvent
from tradewind.contracts.runs import DagRunInfo, DagRunType, TaskInstanceKey
from tradewind.contracts.states import TERMINAL_RUN_STATES, TERMINAL_TASK_STATES, DagRunState
from tradewind.contracts.states import TaskInstanceState as S
from tradewind.contracts.workloads import ExecuteTask, RunDagCallbacks
from tradewind.core import transitions as tr
from tradewind.core.planner import Plan, new_task_instance, plan_run
from tradewind.core.run_state import is_deadlocked, judge_run
from tradewind.core.spec_index import SpecIndex, index_spec
from tradewind.storage.base import RunStore
from tradewind.storage.records import DagRunRecord, TaskInstanceRecord, TaskTryRecord

_MAX_DELAY = timedelta(days=1)


def retry_delay(task: TaskSpec, key: TaskInstanceKey) -> timedelta:
    """How long a failed try waits before the next one.

    With exponential backoff the delay doubles with each try, plus a jitter that is fixed for
    a given try (so every scheduler computes the same time), capped by ``max_retry_delay``.
    """
    delay = timedelta(seconds=task.retry_delay)
    if task.retry_exponential_backoff:
        base = task.retry_delay * (2 ** max(key.try_number - 1, 0))
        seed = f"{key.dag_id}#{key.run_id}#{key.task_id}#{key.map_index}#{key.try_number}"
        jitter = int(hashlib.sha1(seed.encode()).hexdigest(), 16) % max(int(base), 1)
        delay = timedelta(seconds=min(base + jitter, _MAX_DELAY.total_seconds()))
    if task.max_retry_delay is not None:
        delay = min(delay, timedelta(seconds=task.max_retry_delay))
    return delay


def run_info(run: DagRunRecord, store: RunStore | None = None) -> DagRunInfo:
    """What tasks see of ``run``; with ``store``, an asset-triggered run's consumed events."""
    return _info(run, triggering_events(run, store) if store is not None else {})


def triggering_events(run: DagRunRecord, store: RunStore) -> dict[str, list[dict[str, Any]]]:
    """The asset events an asset-triggered run consumed, by asset URI; none for other runs."""
    if run.run_type is not DagRunType.ASSET_TRIGGERED:
        return {}
    return store.list_triggering_asset_events(run.dag_id, run.run_id)


def _info(run: DagRunRecord, triggering: dict[str, list[dict[str, Any]]]) -> DagRunInfo:
    return DagRunInfo(
        dag_id=run.dag_id,
        run_id=run.run_id,
        run_type=run.run_type,
        logical_date=run.logical_date,
        data_interval_start=run.data_interval_start,
        data_interval_end=run.data_interval_end,
        run_after=run.run_after,
        start_date=run.start_date,
        conf=dict(run.conf),
        note=run.note,
        triggering_asset_events=triggering,
    )


def make_run_id(run_type: DagRunType, when: datetime) -> str:
    return f"{run_type.value}__{when.isoformat()}"


class DagRunDriver:
    """Drives one DAG run of one DAG version against a run store."""

    def __init__(self, spec: DagSpec, store: RunStore, run: DagRunRecord) -> None:
        self.spec = spec
        self.index: SpecIndex = index_spec(spec)
        self.store = store
        self.run = run
        self._triggering: dict[str, list[dict[str, Any]]] | None = None

    @classmethod
    def create(
        cls,
        spec: DagSpec,
        store: RunStore,
        *,
        run_id: str | None,
        run_type: DagRunType,
        logical_date: datetime | None,
        data_interval: tuple[datetime, datetime] | None,
        run_after: datetime,
        conf: dict[str, Any] | None = None,
        now: datetime,
    ) -> DagRunDriver:
        """Record a new queued run and one task instance per task (mapped ones unexpanded)."""
        run = DagRunRecord(
            dag_id=spec.dag_id,
            run_id=run_id or make_run_id(run_type, logical_date or run_after),
            run_type=run_type,
            logical_date=logical_date,
            data_interval_start=data_interval[0] if data_interval else None,
            data_interval_end=data_interval[1] if data_interval else None,
            run_after=run_after,
            conf=dict(conf or {}),
            dag_version=spec.version_hash,
            queued_at=now,
        )
        store.add_dag_run(run)
        driver = cls(spec, store, run)
        store.add_task_instances(
            new_task_instance(driver.index, spec.dag_id, run.run_id, task_id)
            for task_id in driver.index.order
        )
        return driver

    # -- planning ------------------------------------------------------------------------------

    def task_instances(self) -> list[TaskInstanceRecord]:
        return self.store.list_task_instances(self.run.dag_id, self.run.run_id)

    def start(self, now: datetime) -> None:
        if self.run.state is DagRunState.QUEUED:
            self.run.state = DagRunState.RUNNING
            self.run.start_date = now
            self.store.save_dag_run(self.run)

    def _past_states(self) -> dict[tuple[str, int], S | None]:
        """States of the previous run's instances (depends_on_past, wait_for_downstream)."""
        when = self.run.logical_date or self.run.run_after
        return self.store.get_previous_task_states(self.run.dag_id, self.run.run_id, before=when)

    def plan(
        self,
        now: datetime,
        candidates: Iterable[str] | None = None,
        tis: Iterable[TaskInstanceRecord] | None = None,
        evaluable: Collection[str] | None = None,
    ) -> Plan:
        """Plan the run (``candidates`` only, when given) and save what the plan changed.

        ``tis`` are the records to plan with (default: every instance of the run); with only
        some of them, ``evaluable`` names the tasks they let the planner decide (see
        :func:`~tradewind.core.planner.plan_run`).
        """
        records = self.task_instances() if tis is None else tis
        past = self._past_states() if self.index.depends_on_past else None
        plan = plan_run(
            self.index,
            records,
            now=now,
            candidates=candidates,
            evaluable=evaluable,
            past_states=past,
        )
        if plan.removed:
            self.store.delete_task_instances(plan.removed)
        if plan.created:
            self.store.add_task_instances(plan.created)
        if plan.changed:
            self.store.save_task_instances(plan.changed)
        return plan

    def workload(self, ti: TaskInstanceRecord, now: datetime) -> ExecuteTask:
        """Queue a scheduled task instance and describe its try for an executor."""
        tr.QUEUE.apply(ti, now)
        self.store.save_task_instances([ti])
        return self.describe(ti)

    def describe(self, ti: TaskInstanceRecord) -> ExecuteTask:
        """The workload of a queued task instance's try (saving the queueing is the caller's)."""
        return ExecuteTask(
            key=TaskInstanceKey(ti.dag_id, ti.run_id, ti.task_id, ti.map_index, ti.try_number),
            dag_file=self.spec.fileloc,
            dag_version=self.spec.version_hash,
            queue=ti.queue,
            priority=ti.priority,
            pool_slots=ti.pool_slots,
            max_tries=ti.max_tries,
            execution_timeout=self.index.task(ti.task_id).execution_timeout,
            reschedule_start_date=ti.reschedule_start_date,
            run=self.info(),
        )

    def info(self) -> DagRunInfo:
        """What the run's tasks see of it (the events it consumed read once per driver)."""
        if self._triggering is None:
            self._triggering = triggering_events(self.run, self.store)
        return _info(self.run, self._triggering)

    # -- events ----------------------------------------------------------------------------------

    def _current(self, key: TaskInstanceKey) -> TaskInstanceRecord | None:
        ti = self.store.get_task_instance(key.dag_id, key.run_id, key.task_id, key.map_index)
        if ti is None or ti.try_number != key.try_number:
            return None  # an event about an older try, or a cleared instance
        return ti

    def mark_running(
        self, key: TaskInstanceKey, now: datetime, hostname: str | None = None
    ) -> bool:
        ti = self._current(key)
        if ti is None or not tr.START.allowed(ti):
            return False
        tr.START.apply(ti, now)
        ti.hostname = hostname
        self.store.save_task_instances([ti])
        return True

    def apply_event(self, event: TaskEvent, now: datetime) -> set[str]:
        """Record how a try ended; returns the tasks whose readiness may have changed."""
        ti = self._current(event.key)
        if ti is None or ti.state not in (S.RUNNING, S.QUEUED):
            return set()
        transition = tr.BY_REPORTED_STATE[event.state]
        if event.start_date is not None:
            ti.start_date = event.start_date
        transition.apply(ti, event.end_date or now)
        ti.error = event.error
        ti.xcom_lengths = dict(event.xcom_lengths)
        if event.state is S.UP_FOR_RETRY:
            ti.next_attempt_at = (ti.end_date or now) + retry_delay(
                self.index.task(ti.task_id), event.key
            )
        elif event.state is S.UP_FOR_RESCHEDULE:
            ti.next_attempt_at = event.reschedule_at or now
        self.store.save_task_instances([ti])
        if event.state is not S.UP_FOR_RESCHEDULE:
            self.store.add_try(
                TaskTryRecord(
                    dag_id=ti.dag_id,
                    run_id=ti.run_id,
                    task_id=ti.task_id,
                    map_index=ti.map_index,
                    try_number=ti.try_number,
                    state=event.state,
                    start_date=ti.start_date,
                    end_date=ti.end_date,
                    error=event.error,
                    hostname=event.hostname,
                )
            )
        touched = {ti.task_id, *self.index.task(ti.task_id).downstream}
        if event.state is S.SUCCESS and event.skip_task_ids:
            touched |= self._skip(ti.task_id, event.skip_task_ids, now)
        return touched

    def _skip(self, source: str, task_ids: Iterable[str], now: datetime) -> set[str]:
        """Skip tasks a branch or short-circuit left behind (only its downstream tasks)."""
        allowed = self._downstream_closure(source)
        touched: set[str] = set()
        skipped: list[TaskInstanceRecord] = []
        wanted = set(task_ids) & allowed
        for ti in self.task_instances():
            if ti.task_id in wanted and ti.state in (None, S.SCHEDULED):
                tr.SKIP.apply(ti, now)
                skipped.append(ti)
                touched.add(ti.task_id)
                touched.update(self.index.task(ti.task_id).downstream)
        self.store.save_task_instances(skipped)
        return touched

    def _downstream_closure(self, task_id: str) -> set[str]:
        found: set[str] = set()
        pending = list(self.index.task(task_id).downstream)
        while pending:
            current = pending.pop()
            if current not in found:
                found.add(current)
                pending.extend(self.index.task(current).downstream)
        return found

    def reset_orphan(self, ti: TaskInstanceRecord, now: datetime) -> None:
        """Plan a try again whose scheduler stopped while it was queued or running."""
        error = "The scheduler that ran this try stopped; the task runs again."
        if ti.state is S.RUNNING:
            self.store.add_try(
                TaskTryRecord(
                    dag_id=ti.dag_id,
                    run_id=ti.run_id,
                    task_id=ti.task_id,
                    map_index=ti.map_index,
                    try_number=ti.try_number,
                    state=S.FAILED,
                    start_date=ti.start_date,
                    end_date=now,
                    error=error,
                    hostname=ti.hostname,
                )
            )
        else:
            ti.try_number -= 1  # it never started: the next schedule reuses the try number
        tr.RESET_ORPHAN.apply(ti, now)
        self.store.save_task_instances([ti])

    def callbacks(self) -> RunDagCallbacks | None:
        """What calls the DAG's success or failure callbacks now that the run has ended;
        None while it runs, or when the DAG has no such callback."""
        if self.run.state not in TERMINAL_RUN_STATES:
            return None
        success = self.run.state is DagRunState.SUCCESS
        if not (
            self.spec.has_on_success_callback if success else self.spec.has_on_failure_callback
        ):
            return None
        return RunDagCallbacks(
            run=self.info(),
            dag_file=self.spec.fileloc,
            success=success,
            reason=self.run.reason or str(self.run.state),
            dag_version=self.spec.version_hash,
        )

    def time_out(self, now: datetime) -> None:
        """Fail the run for exceeding dagrun_timeout; its unfinished tasks are skipped."""
        unfinished = [ti for ti in self.task_instances() if ti.state not in TERMINAL_TASK_STATES]
        for ti in unfinished:
            tr.MARK_SKIPPED.apply(ti, now)
        self.store.save_task_instances(unfinished)
        self.run.state = DagRunState.FAILED
        self.run.end_date = now
        self.run.reason = f"dagrun_timeout of {self.spec.dagrun_timeout:g} s exceeded"
        self.store.save_dag_run(self.run)

    # -- the run's state --------------------------------------------------------------------------

    def update_state(
        self,
        now: datetime,
        plan: Plan | None = None,
        tis: list[TaskInstanceRecord] | None = None,
    ) -> DagRunState:
        """Finish the run if its task instances decide it; returns the run's state.

        ``tis``: every instance of the run, if the caller holds them already.
        """
        if self.run.state in TERMINAL_RUN_STATES:
            return self.run.state
        if tis is None:
            tis = self.task_instances()
        verdict = judge_run(self.index, tis)
        state, reason = verdict.state, verdict.reason
        if state is DagRunState.RUNNING:
            if (
                plan is None
                or plan.waiting_on_past
                or not is_deadlocked(tis, len(plan.ready), plan.next_wakeup)
            ):
                return state
            state, reason = DagRunState.FAILED, "deadlock: no task can run"
        self.run.state = state
        self.run.end_date = now
        self.run.reason = reason
        self.store.save_dag_run(self.run)
        return state
