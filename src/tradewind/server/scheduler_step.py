"""One scheduler step: its transaction, what it reads of the runs, and how it plans them.

A step reads as little as planning needs. For the tasks an event touched it reads their
instances in full (records of the store, which planning changes and saves), and of the tasks
they depend on only the states (records that are never saved); a task the plan reaches beyond
what was read (a skip or a failure spreading downstream) is read and planned in another
pass. When most of a run is wanted, the whole run is read at once. Whether a run is finished
is answered by counting its instances' states, and only a run that may be finished (or
stuck) is read in full and judged. A sweep (and a wake-up for a retry) reads a run's states
first and plans only the tasks with an instance left to decide, so that a large run is not
read in full every sweep.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy.orm import Session

from tradewind.contracts.states import (
    ACTIVE_TASK_STATES,
    TERMINAL_TASK_STATES,
    DagRunState,
    TriggerRule,
)
from tradewind.contracts.states import TaskInstanceState as S
from tradewind.core.dagrun import DagRunDriver
from tradewind.core.planner import Plan
from tradewind.storage.records import TaskInstanceRecord
from tradewind.storage.repos import task_instances as ti_repo
from tradewind.storage.sql_store import SqlStore

__all__ = ["RunKey", "Step", "Waiting", "with_downstream"]

RunKey = tuple[str, str]
TiKey = tuple[str, str, str, int]
#: Per run: task id → the upstream task whose being unfinished proves the task must wait.
Waiting = dict[RunKey, dict[str, str]]

#: States of task instances that will change without the planner: the run is not stuck.
_PENDING_WORK = ACTIVE_TASK_STATES | {S.SCHEDULED, S.UP_FOR_RETRY, S.UP_FOR_RESCHEDULE}
#: States of task instances the planner may decide something about.
_UNDECIDED = frozenset({None, S.UP_FOR_RETRY, S.UP_FOR_RESCHEDULE})
#: Trigger rules that wait while any upstream task is unfinished, unless an upstream task
#: fails or skips (a success alone never decides them early).
_WAIT_FOR_ALL = frozenset(
    {
        TriggerRule.ALL_SUCCESS,
        TriggerRule.ALL_DONE,
        TriggerRule.ALL_DONE_MIN_ONE_SUCCESS,
        TriggerRule.ALL_DONE_SETUP_SUCCESS,
        TriggerRule.NONE_FAILED,
        TriggerRule.NONE_FAILED_MIN_ONE_SUCCESS,
        TriggerRule.NONE_SKIPPED,
    }
)


class Step:
    """What one step works with: one session and store, and what it has read and decided."""

    def __init__(
        self,
        session: Session,
        now: datetime,
        *,
        sweep: bool = False,
        waiting: Waiting | None = None,
    ) -> None:
        self.session = session
        #: Kept from step to step: per run, the tasks known to wait for an unfinished upstream
        #: task (their witness), so that events of their other upstream tasks need not read
        #: every upstream state again (see :meth:`_known_to_wait`).
        self.waiting: Waiting = {} if waiting is None else waiting
        #: Per run, the state each try that ended in this step ended in, by task.
        self.ended: defaultdict[RunKey, dict[str, S]] = defaultdict(dict)
        #: The step is a sweep: it also reads what is otherwise kept between steps (pools).
        self.sweep = sweep
        #: Records read or written in the step are reused (every write goes through the store)
        #: and its writes go out together, before the next statement or the commit.
        self.store = SqlStore(session, reuse_reads=True, defer_writes=True)
        self.now = now
        self.drivers: dict[RunKey, DagRunDriver | None] = {}
        #: Runs to plan: the tasks to look at, or None for every task.
        self.touched: dict[RunKey, set[str] | None] = {}
        #: Runs to plan as a sweep does: also every task with an instance left to decide.
        self.swept: set[RunKey] = set()
        #: Per run, the tasks whose instances (every map index) were read in full (records of
        #: the store, which planning may change) or only for their states (records that are
        #: never saved), and all those records.
        self.full: defaultdict[RunKey, set[str]] = defaultdict(set)
        self.light: defaultdict[RunKey, set[str]] = defaultdict(set)
        self.records: defaultdict[RunKey, dict[TiKey, TaskInstanceRecord]] = defaultdict(dict)
        #: The instances the step's plans made ready (scheduled).
        self.ready: list[TaskInstanceRecord] = []
        self.made_ready = False
        #: Per run, when a waiting retry (or reschedule) is due, and whether a full plan found
        #: it (then it replaces what the scheduler knew; else the earlier time wins).
        self.wakeups: dict[RunKey, tuple[datetime, bool]] = {}
        #: DAGs of which a run ended in the step.
        self.ended_dags: set[str] = set()

    def knows_all(self, run_key: RunKey, task_ids: Iterable[str]) -> bool:
        """Whether the states of every instance of the run's ``task_ids`` were read."""
        known = self.full[run_key] | self.light[run_key]
        return known.issuperset(task_ids)

    def forget_light(self, run_key: RunKey) -> None:
        """Drop the state-only records of a run (something changed them behind the step)."""
        light = self.light.pop(run_key, set())
        records = self.records[run_key]
        for key in [key for key in records if key[2] in light]:
            del records[key]

    def plan_undecided(self, run_key: RunKey) -> None:
        """Plan the run's tasks that have an instance left to decide (see
        :meth:`with_undecided`)."""
        self.swept.add(run_key)
        self.touch(run_key, ())

    def with_undecided(self, driver: DagRunDriver, candidates: set[str] | None) -> set[str] | None:
        """``candidates`` and the run's tasks with an instance the planner may decide, from the
        states of all its instances (read light); None (every task) when some task of the DAG
        has no instance or an instance belongs to no task of it (a full plan settles those)."""
        if candidates is None:
            return None
        run_key = (driver.run.dag_id, driver.run.run_id)
        full, light, records = self.full[run_key], self.light[run_key], self.records[run_key]
        undecided: set[str] = set()
        seen: set[str] = set()
        for task_id, map_index, state in ti_repo.list_task_instance_states(
            session=self.session, dag_id=run_key[0], run_id=run_key[1]
        ):
            seen.add(task_id)
            if state in _UNDECIDED:
                undecided.add(task_id)
            if task_id not in full:
                key = (run_key[0], run_key[1], task_id, map_index)
                records[key] = TaskInstanceRecord(*key, state=state)
        if seen != set(driver.index.order):
            return None
        light.update(seen - full)
        return candidates | undecided

    def touch(self, run_key: RunKey, task_ids: Iterable[str] | None) -> None:
        if task_ids is None:
            self.touched[run_key] = None
            return
        current = self.touched.setdefault(run_key, set())
        if current is not None:
            current.update(task_ids)

    # -- reading runs ------------------------------------------------------------------------

    def load(self, driver: DagRunDriver, evaluate: set[str]) -> None:
        """Read what planning the tasks ``evaluate`` needs into the step.

        Their instances are read in full (the whole run's, if that is most of it); of the
        tasks they look at to decide (upstream tasks, guarding setups) only the states are
        read, and only for the tasks that have an instance left to decide.
        """
        run_key = (driver.run.dag_id, driver.run.run_id)
        index = driver.index
        self._read_full(driver, {t for t in evaluate if t in index.spec.tasks})
        inputs = index.plan_inputs(self._deciding(run_key, evaluate))
        # Mapping reads the lengths of the results it maps over: those tasks in full too.
        self._read_full(driver, inputs & index.mapped_over)
        full, light, records = self.full[run_key], self.light[run_key], self.records[run_key]
        want_light = inputs - full - light
        if not want_light:
            return
        everything = len(want_light) * 2 > len(index.order)
        states = ti_repo.list_task_instance_states(
            session=self.session,
            dag_id=run_key[0],
            run_id=run_key[1],
            task_ids=None if everything else want_light,
        )
        if everything:
            want_light = set(index.order) - full - light
        for task_id, map_index, state in states:
            if task_id in want_light:
                key = (run_key[0], run_key[1], task_id, map_index)
                records[key] = TaskInstanceRecord(
                    run_key[0], run_key[1], task_id, map_index, state=state
                )
        light.update(want_light)

    def read(self, driver: DagRunDriver, task_ids: set[str]) -> None:
        """Read the instances of ``task_ids`` in full (unless the step has)."""
        self._read_full(driver, {t for t in task_ids if t in driver.index.spec.tasks})

    def _read_full(self, driver: DagRunDriver, task_ids: set[str]) -> None:
        run_key = (driver.run.dag_id, driver.run.run_id)
        full, light, records = self.full[run_key], self.light[run_key], self.records[run_key]
        missing = task_ids - full
        if not missing:
            return
        if len(full | missing) * 2 > len(driver.index.order):
            records.clear()
            records.update((ti.key, ti) for ti in driver.task_instances())
            full.update(driver.index.order)
            light.clear()
            return
        for key in [key for key in records if key[2] in missing & light]:
            del records[key]
        records.update(
            (ti.key, ti) for ti in self.store.list_task_instances_of_tasks(*run_key, missing)
        )
        full.update(missing)
        light.difference_update(missing)

    def _deciding(self, run_key: RunKey, task_ids: Iterable[str]) -> set[str]:
        """The tasks among ``task_ids`` with an instance the planner may decide."""
        wanted = set(task_ids)
        return {
            key[2]
            for key, ti in self.records[run_key].items()
            if key[2] in wanted and ti.state in _UNDECIDED
        }

    def _evaluable(self, driver: DagRunDriver, run_key: RunKey) -> set[str] | None:
        """The tasks planning can decide with what the step read (None: every task)."""
        full = self.full[run_key]
        if full.issuperset(driver.index.order):
            return None
        known = full | self.light[run_key]
        deciding = self._deciding(run_key, full)
        return {t for t in full if t not in deciding or driver.index.plan_inputs((t,)) <= known}

    # -- planning runs -----------------------------------------------------------------------

    def _plan_pass(self, driver: DagRunDriver, candidates: set[str] | None) -> tuple[Plan, bool]:
        """Plan ``candidates`` (every task if None) and what they reach; returns the last
        pass's plan and whether any pass made an instance ready.

        With candidates, only their instances and their inputs are read; a task the plan
        reaches beyond them (a skip or a failure spreading downstream) is read and planned in
        another pass.
        """
        run_key = (driver.run.dag_id, driver.run.run_id)
        index = driver.index
        waits = set() if candidates is None else self._known_to_wait(driver, candidates)
        todo = None if candidates is None else candidates - waits
        ready = False
        while True:
            self.load(
                driver, set(index.order) if todo is None else with_downstream(driver, todo) - waits
            )
            records = self.records[run_key]
            evaluable = self._evaluable(driver, run_key)
            plan = driver.plan(self.now, todo, list(records.values()), evaluable)
            for ti in plan.removed:
                records.pop(ti.key, None)
            for ti in plan.created:
                records[ti.key] = ti
            ready = ready or bool(plan.ready)
            self.ready += plan.ready
            self._remember_waiting(driver, evaluable, todo)
            if plan.next_wakeup is not None:
                self._add_wakeup(run_key, plan.next_wakeup, replace=todo is None)
            # A task known to wait may be reached again (as downstream of one planned): it
            # still waits, so planning it would only defer it again.
            todo = plan.deferred - waits
            if not todo:
                break
        return plan, ready

    def plan_run(self, driver: DagRunDriver, candidates: set[str] | None) -> DagRunState:
        """Plan one run and finish it if its instances decide it; returns its state."""
        run_key = (driver.run.dag_id, driver.run.run_id)
        index = driver.index
        plan, ready = self._plan_pass(driver, candidates)
        if ready:
            self.made_ready = True
            return DagRunState.RUNNING
        if any(ti.state in _PENDING_WORK for ti in self.records[run_key].values()):
            return DagRunState.RUNNING
        if not self.knows_all(run_key, index.order):
            # Finished, stuck, or still working? Counting answers without reading everything.
            counts = ti_repo.count_task_instance_states(
                session=self.session, dag_id=run_key[0], run_id=run_key[1]
            )
            if any(state in _PENDING_WORK for state in counts):
                return DagRunState.RUNNING
            self.load(driver, set(index.order))
        tis = list(self.records[run_key].values())
        if any(ti.state in _PENDING_WORK for ti in tis):
            return DagRunState.RUNNING
        full_plan: Plan | None = plan if candidates is None else None
        if full_plan is None and any(ti.state not in TERMINAL_TASK_STATES for ti in tis):
            # Nothing will change by itself: plan every task before judging the run.
            full_plan, ready = self._plan_pass(driver, None)
            if ready:
                self.made_ready = True
                return DagRunState.RUNNING
            tis = list(self.records[run_key].values())
        return driver.update_state(self.now, full_plan, tis)

    # -- tasks known to wait ------------------------------------------------------------------

    def _known_to_wait(self, driver: DagRunDriver, candidates: set[str]) -> set[str]:
        """The candidates that still wait for their witness (see ``waiting``).

        A task whose rule waits for every upstream task (``_WAIT_FOR_ALL``) keeps waiting
        while its witness is unfinished, unless an upstream task of it ended otherwise than
        successfully in this step: a fan-in of a thousand tasks is not re-read for each.
        """
        run_key = (driver.run.dag_id, driver.run.run_id)
        waiting = self.waiting.get(run_key)
        if not waiting:
            return set()
        # What ended otherwise than successfully in this step: few, where upstream sets are big.
        not_successes = {
            t for t, state in self.ended.get(run_key, {}).items() if state is not S.SUCCESS
        }
        checks: dict[str, str] = {}
        for task_id in candidates & waiting.keys():
            upstream = driver.index.upstream.get(task_id)
            if upstream is None or not not_successes.isdisjoint(upstream):
                del waiting[task_id]
            else:
                checks[task_id] = waiting[task_id]
        if not checks:
            return set()
        records = self.records[run_key]
        # Witnesses are never mapped: their one instance has map index -1.
        states = {
            witness: records[key].state
            for witness in set(checks.values())
            if (key := (run_key[0], run_key[1], witness, -1)) in records
        }
        unread = set(checks.values()) - states.keys()
        if unread:
            for task_id, map_index, state in ti_repo.list_task_instance_states(
                session=self.session, dag_id=run_key[0], run_id=run_key[1], task_ids=unread
            ):
                states[task_id] = state
                records[(*run_key, task_id, map_index)] = TaskInstanceRecord(
                    *run_key, task_id, map_index, state=state
                )
            self.light[run_key].update(unread - self.full[run_key])
        still = set()
        for task_id, witness in checks.items():
            if witness in states and states[witness] not in TERMINAL_TASK_STATES:
                still.add(task_id)
            else:
                del waiting[task_id]
        return still

    def _remember_waiting(
        self, driver: DagRunDriver, evaluable: set[str] | None, planned: set[str] | None
    ) -> None:
        """Note a witness for each planned task that may use one and still waits."""
        if planned is None:
            return
        run_key = (driver.run.dag_id, driver.run.run_id)
        index = driver.index
        by_task: dict[str, list[TaskInstanceRecord]] = defaultdict(list)
        for key, ti in self.records[run_key].items():
            by_task[key[2]].append(ti)
        position = {task_id: i for i, task_id in enumerate(index.order)}
        for task_id in planned:
            task = index.spec.tasks.get(task_id)
            if (
                task is None
                or (evaluable is not None and task_id not in evaluable)
                or TriggerRule(task.trigger_rule) not in _WAIT_FOR_ALL
                or task.is_mapped
                or task.is_teardown
                or index.indirect_setups[task_id]
                or [ti.state for ti in by_task.get(task_id, [])] != [None]
            ):
                continue
            unfinished = [
                up
                for up in task.upstream
                if not index.task(up).is_mapped
                and any(ti.state not in TERMINAL_TASK_STATES for ti in by_task.get(up, []))
            ]
            if unfinished:
                # The one likely to finish last: the longest wait before it is asked again.
                self.waiting.setdefault(run_key, {})[task_id] = max(
                    unfinished, key=lambda up: position.get(up, 0)
                )

    def _add_wakeup(self, run_key: RunKey, when: datetime, *, replace: bool) -> None:
        current = self.wakeups.get(run_key)
        if current is None or when < current[0] or (replace and not current[1]):
            self.wakeups[run_key] = (when, replace or (current is not None and current[1]))


def with_downstream(driver: DagRunDriver, task_ids: Iterable[str]) -> set[str]:
    """The tasks (of the run's DAG) and their direct downstream tasks."""
    found = set()
    for task_id in task_ids:
        task = driver.spec.tasks.get(task_id)
        if task is not None:
            found.add(task_id)
            found.update(task.downstream)
    return found
