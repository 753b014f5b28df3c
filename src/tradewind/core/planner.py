"""Deciding, for one DAG run, which task instances are ready, skipped or upstream-failed.

``plan_run`` is a pure function of the run's DagSpec and task-instance records: it applies
the transitions it decides to the records it is given and reports what changed, so the same
code serves the in-memory store of ``dags test`` and the SQL store of the scheduler.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from tradewind.contracts.states import TERMINAL_TASK_STATES, TriggerRule
from tradewind.contracts.states import TaskInstanceState as S
from tradewind.core import transitions as tr
from tradewind.core.mapping import referenced_tasks, resolve_length
from tradewind.core.spec_index import SpecIndex
from tradewind.core.trigger_rules import UpstreamCounts, Verdict, evaluate
from tradewind.errors import MappingError
from tradewind.storage.records import TaskInstanceRecord

_EVALUATED = frozenset({None, S.UP_FOR_RETRY, S.UP_FOR_RESCHEDULE})
_FAILED = frozenset({S.FAILED, S.UPSTREAM_FAILED})
_SETUP_MET = frozenset({S.SUCCESS, S.REMOVED})


@dataclass
class Plan:
    """What one planning pass decided."""

    ready: list[TaskInstanceRecord] = field(default_factory=list)
    changed: list[TaskInstanceRecord] = field(default_factory=list)
    created: list[TaskInstanceRecord] = field(default_factory=list)
    removed: list[TaskInstanceRecord] = field(default_factory=list)
    #: The earliest time a waiting retry or reschedule becomes due.
    next_wakeup: datetime | None = None
    #: Tasks the pass should have looked at but could not (see ``plan_run``'s ``evaluable``).
    deferred: set[str] = field(default_factory=set)
    #: Instances held back by the previous run (depends_on_past, wait_for_downstream): the
    #: run waits for them, it is not deadlocked.
    waiting_on_past: int = 0


def new_task_instance(
    index: SpecIndex, dag_id: str, run_id: str, task_id: str, map_index: int = -1
) -> TaskInstanceRecord:
    task = index.task(task_id)
    return TaskInstanceRecord(
        dag_id=dag_id,
        run_id=run_id,
        task_id=task_id,
        map_index=map_index,
        max_tries=task.retries,
        priority=task.priority,
        pool=task.pool,
        pool_slots=task.pool_slots,
        queue=task.queue,
        operator=task.operator,
    )


class _RunView:
    def __init__(self, index: SpecIndex, tis: Iterable[TaskInstanceRecord]) -> None:
        self.index = index
        self.by_task: dict[str, list[TaskInstanceRecord]] = {}
        for ti in tis:
            self.by_task.setdefault(ti.task_id, []).append(ti)
        for items in self.by_task.values():
            items.sort(key=lambda ti: ti.map_index)

    def states(self, task_id: str, map_index: int, consumer: str) -> list[S | None]:
        """States of ``task_id``'s instances that instance ``map_index`` of ``consumer`` sees."""
        items = self.by_task.get(task_id, [])
        group = self.index.task(consumer).mapped_group
        if map_index >= 0 and group is not None and self.index.task(task_id).mapped_group == group:
            # Inside one mapped task group, instance i depends on instance i only.
            for ti in items:
                if ti.map_index == map_index or ti.map_index == -1:
                    return [ti.state]
            return [S.REMOVED]
        return [ti.state for ti in items]

    def length_of(self, task_id: str, key: str) -> int | None:
        items = self.by_task.get(task_id, [])
        if not items or any(ti.state not in TERMINAL_TASK_STATES for ti in items):
            return None
        if self.index.task(task_id).is_mapped:
            # Mapping over a mapped task's results: one item per instance that pushed a result
            # (Airflow counts the instances' return values; failed or skipped ones push none).
            return sum(1 for ti in items if ti.state is S.SUCCESS and ti.map_index >= 0)
        ti = items[0]
        if ti.state is not S.SUCCESS:
            return None
        if key not in ti.xcom_lengths:
            raise MappingError(
                f"Task {task_id!r} returned no list or dict under XCom key {key!r}, so there "
                "is nothing to map over. Return a list (or dict) from it."
            )
        return ti.xcom_lengths[key]


def _verdict(view: _RunView, ti: TaskInstanceRecord) -> Verdict:
    """The task instance's trigger rule over its direct upstream, within its setups' scope.

    As in Airflow, ``always`` runs at once; otherwise the setups that guard the task without
    being its direct upstream (see ``SpecIndex.indirect_setups``) must succeed first: one that
    failed makes the task upstream-failed, one that skipped skips it.
    """
    task = view.index.task(ti.task_id)
    rule = TriggerRule(task.trigger_rule)
    if rule is TriggerRule.ALWAYS:
        return Verdict.RUN
    guard_states = [
        state
        for setup in view.index.indirect_setups[task.task_id]
        for state in view.states(setup, ti.map_index, task.task_id)
    ]
    if any(state in _FAILED for state in guard_states):
        return Verdict.UPSTREAM_FAILED
    if any(state is S.SKIPPED for state in guard_states):
        return Verdict.SKIP
    states = [
        state for up in task.upstream for state in view.states(up, ti.map_index, task.task_id)
    ]
    setup_states = [
        state
        for up in task.upstream
        if view.index.task(up).is_setup
        for state in view.states(up, ti.map_index, task.task_id)
    ]
    verdict = evaluate(rule, UpstreamCounts.tally(states, setup_states))
    if verdict is Verdict.RUN and any(s not in _SETUP_MET for s in guard_states):
        return Verdict.WAIT
    return verdict


def _producers_finished(view: _RunView, length_spec: dict[str, object]) -> bool:
    """Whether every task whose result the length expression reads has finished."""
    return all(
        bool(view.by_task.get(task_id))
        and all(ti.state in TERMINAL_TASK_STATES for ti in view.by_task[task_id])
        for task_id in referenced_tasks(length_spec)
    )


def _expand(view: _RunView, placeholder: TaskInstanceRecord, plan: Plan, now: datetime) -> None:
    """Replace a mapped task's placeholder by one instance per item, once the count is known."""
    length_spec = view.index.map_length_spec(placeholder.task_id)
    assert length_spec is not None
    try:
        length = resolve_length(length_spec, view.length_of)
    except MappingError as error:
        placeholder.error = str(error)
        tr.MARK_UPSTREAM_FAILED.apply(placeholder, now)
        plan.changed.append(placeholder)
        return
    if length is None:
        if _verdict(view, placeholder) is Verdict.RUN and _producers_finished(view, length_spec):
            # The task may run, yet a result it maps over will never exist (its producer
            # finished without pushing one): upstream_failed, as in Airflow, not a deadlock.
            missing = ", ".join(sorted(referenced_tasks(length_spec)))
            placeholder.error = (
                f"Cannot expand {placeholder.task_id!r}: the result it maps over was never "
                f"pushed by {missing}."
            )
            tr.MARK_UPSTREAM_FAILED.apply(placeholder, now)
            plan.changed.append(placeholder)
        return
    if length == 0:
        tr.SKIP.apply(placeholder, now)
        plan.changed.append(placeholder)
        return
    items = view.by_task[placeholder.task_id]
    items.remove(placeholder)
    plan.removed.append(placeholder)
    for map_index in range(length):
        ti = new_task_instance(
            view.index, placeholder.dag_id, placeholder.run_id, placeholder.task_id, map_index
        )
        items.append(ti)
        plan.created.append(ti)


_PAST_MET = frozenset({S.SUCCESS, S.SKIPPED})
#: A downstream instance removed from the previous run will never finish: it does not hold.
_DOWNSTREAM_MET = _PAST_MET | {S.REMOVED}


class _PastRun:
    """The previous run's instances, for depends_on_past and wait_for_downstream."""

    def __init__(self, index: SpecIndex, states: Mapping[tuple[str, int], S | None]) -> None:
        self.index = index
        self.states = states
        self.by_task: dict[str, list[tuple[int, S | None]]] = {}
        for (task_id, map_index), state in states.items():
            self.by_task.setdefault(task_id, []).append((map_index, state))

    def holds(self, ti: TaskInstanceRecord) -> bool:
        """Whether the previous run keeps ``ti`` from running.

        depends_on_past: the previous run's instance must have succeeded or been skipped;
        wait_for_downstream (which implies it): so must the previous run's instances of the
        task's immediate downstream tasks. As in Airflow (ignore_first_depends_on_past), an
        instance with no previous one runs.
        """
        task = self.index.task(ti.task_id)
        if not (task.depends_on_past or task.wait_for_downstream):
            return False
        key = (ti.task_id, ti.map_index)
        if key not in self.states:
            return False
        if self.states[key] not in _PAST_MET:
            return True
        return task.wait_for_downstream and any(
            state not in _DOWNSTREAM_MET
            for down in task.downstream
            for state in self._states_seen(down, ti.map_index, task.mapped_group)
        )

    def _states_seen(self, task_id: str, map_index: int, group: str | None) -> list[S | None]:
        """States of ``task_id``'s previous instances; inside one mapped task group, instance
        i follows instance i only (as for upstream tasks in a run)."""
        items = self.by_task.get(task_id, [])
        if map_index >= 0 and group is not None and self.index.task(task_id).mapped_group == group:
            return [state for index, state in items if index in (map_index, -1)]
        return [state for _, state in items]


def plan_run(
    index: SpecIndex,
    tis: Iterable[TaskInstanceRecord],
    *,
    now: datetime,
    candidates: Iterable[str] | None = None,
    evaluable: Collection[str] | None = None,
    past_states: Mapping[tuple[str, int], S | None] | None = None,
) -> Plan:
    """Decide the next steps of one run. ``candidates`` limits which tasks are looked at.

    ``evaluable``, when given, names the tasks whose instances and inputs
    (:meth:`SpecIndex.plan_inputs`) are all among ``tis``: a task outside it that the pass
    reaches is not decided but put in ``Plan.deferred``, for the caller to load and plan.
    ``past_states`` are the previous run's (task_id, map_index) → state, when a task of the
    DAG depends on its past (``depends_on_past`` or ``wait_for_downstream``).
    """
    view = _RunView(index, tis)
    past = None if past_states is None else _PastRun(index, past_states)
    plan = Plan()
    wanted = set(candidates) if candidates is not None else None
    for task_id in index.order:
        if wanted is not None and task_id not in wanted:
            continue
        if evaluable is not None and task_id not in evaluable:
            plan.deferred.add(task_id)
            continue
        items = view.by_task.get(task_id, [])
        # Tasks of a mapped group expand as soon as the group's count is known; each
        # instance then waits for its own upstream instances.
        if (
            len(items) == 1
            and items[0].map_index == -1
            and items[0].state is None
            and index.map_length_spec(task_id) is not None
            and (index.task(task_id).map_length is None or _verdict(view, items[0]) is Verdict.RUN)
        ):
            _expand(view, items[0], plan, now)
            items = view.by_task[task_id]
            if wanted is not None and (items[0].map_index != -1 or items[0].state is not None):
                wanted.update(index.task(task_id).downstream)
        for ti in list(items):
            if ti.state not in _EVALUATED:
                continue
            if ti.map_index == -1 and index.map_length_spec(task_id) is not None:
                verdict = _verdict(view, ti)
                if verdict in (Verdict.RUN, Verdict.WAIT):
                    continue
            else:
                verdict = _verdict(view, ti)
            if verdict is not Verdict.WAIT and wanted is not None:
                wanted.update(index.task(task_id).downstream)
            if verdict is Verdict.RUN:
                if ti.next_attempt_at is not None and ti.next_attempt_at > now:
                    if plan.next_wakeup is None or ti.next_attempt_at < plan.next_wakeup:
                        plan.next_wakeup = ti.next_attempt_at
                    continue
                if past is not None and past.holds(ti):
                    plan.waiting_on_past += 1
                    continue
                tr.SCHEDULE.apply(ti, now)
                plan.ready.append(ti)
                plan.changed.append(ti)
            elif verdict is Verdict.SKIP:
                tr.SKIP.apply(ti, now)
                plan.changed.append(ti)
            elif verdict is Verdict.UPSTREAM_FAILED:
                tr.MARK_UPSTREAM_FAILED.apply(ti, now)
                plan.changed.append(ti)
    plan.ready.sort(key=lambda ti: (-ti.priority, ti.map_index))
    return plan


def unmet_dependencies(
    index: SpecIndex,
    tis: Iterable[TaskInstanceRecord],
    ti: TaskInstanceRecord,
    *,
    now: datetime,
    past_states: Mapping[tuple[str, int], S | None] | None = None,
) -> list[tuple[str, str]]:
    """Why the planner does not schedule ``ti`` now, as (dependency, reason) pairs, from
    the run's instances ``tis``: its trigger rule, its retry delay, its previous run. Empty
    when nothing in the run holds it (or it is not waiting to be scheduled)."""
    if ti.state not in _EVALUATED:
        return []
    view = _RunView(index, tis)
    task = index.task(ti.task_id)
    unmet: list[tuple[str, str]] = []
    if _verdict(view, ti) is not Verdict.RUN:
        upstream = {
            up: [str(state) for state in view.states(up, ti.map_index, task.task_id)]
            for up in task.upstream
        }
        unmet.append(
            (
                "Trigger Rule",
                f"The trigger rule '{task.trigger_rule}' is not met yet by the upstream "
                f"tasks' states: {upstream}.",
            )
        )
    if ti.next_attempt_at is not None and ti.next_attempt_at > now:
        unmet.append(
            (
                "Not In Retry Period",
                f"The task waits to be retried (or rescheduled) at "
                f"{ti.next_attempt_at.isoformat()}; it is {now.isoformat()} now.",
            )
        )
    if past_states is not None and _PastRun(index, past_states).holds(ti):
        what = "and its downstream tasks " if task.wait_for_downstream else ""
        unmet.append(
            (
                "Previous Dagrun State",
                f"The task depends on its past: its instance {what}in the previous run must "
                "have succeeded or been skipped first.",
            )
        )
    return unmet
