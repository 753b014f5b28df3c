"""What users do to runs after the fact: clear tasks, mark tasks and runs, delete a DAG's history.

Each function takes the session and leaves the transaction to the caller; each state change
is a rule of :mod:`tradewind.core.transitions`. The semantics are Airflow's:

- **Clear** (``clear_task_instances``, Airflow's ``DAG.clear``): the selected task instances
  go back to no state with ``max_tries = try_number + retries``, so they get their retries
  again; their XCom is deleted; their tries and logs stay as history. A finished run with a
  cleared task instance is queued again (a run still queued or running keeps its state).
  Downstream/upstream selection follows ``DAG.partial_subset``, including the setups (and
  their teardowns) that a cleared task needs. A cleared mapped task keeps its expanded
  instances, each reset in place with its own try count (Airflow resets them and keeps their
  map indexes) — except when a task whose result it maps over is cleared with it in the
  same run: then the count may change, so its instances are replaced by the unexpanded
  placeholder and the planner expands it again from the new result (Airflow re-counts at
  scheduling time instead; try numbers of the new instances start again at 1).
  A cleared try that is still running is not killed: it runs to its end and its result is
  ignored, since the task instance has moved on. Removed instances stay removed.
- **Mark a task** (``set_task_instance_state``, Airflow's ``DAG.set_task_instance_state``):
  the instances (and their relatives when asked) that are not in the state yet take it, then
  the failed and upstream-failed tasks downstream of them are cleared so the run resumes.
- **Mark a run** (``set_dag_run_state``, Airflow's ``set_dag_run_state_to_*``): success marks
  every task instance success except unfinished teardowns (which still run; the run is marked
  once none is left); failed fails the running ones and skips the pending ones, teardowns
  aside (the run fails unless a teardown is still to run); queued only requeues the run.
- **Delete a DAG** (``delete_dag``, Airflow's ``delete_dag``): its row, versions, runs, task
  instances, tries, XCom and log locations go; import errors of its file stay. The DAG
  reappears at the next parse if its file still defines it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from tradewind.contracts.dagspec import DagSpec
from tradewind.contracts.states import (
    FAILED_TASK_STATES,
    TERMINAL_TASK_STATES,
    DagRunState,
)
from tradewind.contracts.states import TaskInstanceState as S
from tradewind.core import transitions as tr
from tradewind.core.mapping import referenced_tasks
from tradewind.core.planner import new_task_instance
from tradewind.core.spec_index import index_spec
from tradewind.errors import DagNotFoundError, TaskNotFoundError, TradewindError
from tradewind.server.specs import SpecCache
from tradewind.storage.records import DagRunRecord, TaskInstanceRecord
from tradewind.storage.repos import dags as dag_repo
from tradewind.storage.repos import run_history
from tradewind.storage.sql_store import SqlStore

__all__ = [
    "DagRunNotFoundError",
    "TiKey",
    "clear_task_instances",
    "delete_dag",
    "select_task_ids",
    "set_dag_run_state",
    "set_task_instance_state",
]

#: (dag_id, run_id, task_id, map_index)
TiKey = tuple[str, str, str, int]

_MARKS = {S.SUCCESS: tr.MARK_SUCCESS, S.FAILED: tr.MARK_FAILED, S.SKIPPED: tr.MARK_SKIPPED}
#: Airflow's ``running_states`` of ``set_dag_run_state_to_failed``: these fail, the rest skip.
_RUNNING = frozenset({S.RUNNING, S.DEFERRED, S.UP_FOR_RESCHEDULE})


class DagRunNotFoundError(TradewindError, KeyError):
    """A run id the DAG does not have."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(UTC)


def _latest_spec(session: Session, specs: SpecCache, dag_id: str) -> DagSpec:
    spec = specs.latest(session, dag_id)
    if spec is None:
        raise DagNotFoundError(
            f"DAG {dag_id!r} is not in the database; is its file in the DAG folder, and has "
            "the DAG processor parsed it? `tradewind dags list` shows the DAGs known."
        )
    return spec


def _run(store: SqlStore, dag_id: str, run_id: str, *, lock: bool = False) -> DagRunRecord:
    if lock:  # a scheduler planning the run finishes first, then skips it until we commit
        run_history.list_dag_runs_between(
            session=store.session, dag_id=dag_id, run_ids=[run_id], lock=True
        )
    run = store.get_dag_run(dag_id, run_id)
    if run is None:
        raise DagRunNotFoundError(
            f"DAG {dag_id!r} has no run {run_id!r}; `tradewind dags list-runs {dag_id}` "
            "lists its runs."
        )
    return run


# -- which tasks ----------------------------------------------------------------------------


def _closure(spec: DagSpec, task_id: str, *, upstream: bool) -> set[str]:
    found: set[str] = set()
    pending = [task_id]
    while pending:
        task = spec.tasks[pending.pop()]
        for relative in task.upstream if upstream else task.downstream:
            if relative not in found:
                found.add(relative)
                pending.append(relative)
    return found


def _teardowns_of(spec: DagSpec, setup_id: str) -> set[str]:
    return {d for d in spec.tasks[setup_id].downstream if spec.tasks[d].is_teardown}


def _relevant_setups_and_teardowns(spec: DagSpec, task_id: str) -> set[str]:
    """Airflow's ``get_upstreams_only_setups_and_teardowns``: the setups a task needs.

    An upstream setup is relevant when it has no teardown or one of its teardowns is
    downstream of the task; it comes with its teardowns.
    """
    later_teardowns = {
        d for d in _closure(spec, task_id, upstream=False) if spec.tasks[d].is_teardown
    }
    found: set[str] = set()
    for up in _closure(spec, task_id, upstream=True):
        if not spec.tasks[up].is_setup:
            continue
        teardowns = _teardowns_of(spec, up)
        if not teardowns or teardowns & later_teardowns:
            found.add(up)
            found |= teardowns - {task_id}
    return found


def select_task_ids(
    spec: DagSpec, task_ids: Iterable[str], *, downstream: bool, upstream: bool
) -> set[str]:
    """The tasks that clearing ``task_ids`` clears, as Airflow's ``DAG.partial_subset``.

    With ``downstream``/``upstream`` every task after/before them; and always the setups a
    cleared work task needs (with their teardowns), since it cannot run without them.
    """
    matched = set(task_ids)
    unknown = sorted(matched - set(spec.tasks))
    if unknown:
        raise TaskNotFoundError(
            f"DAG {spec.dag_id!r} has no task(s) {', '.join(map(repr, unknown))}; "
            f"`tradewind tasks list {spec.dag_id}` lists its tasks."
        )
    also: set[str] = set()
    for task_id in matched:
        task = spec.tasks[task_id]
        if downstream:
            for relative in _closure(spec, task_id, upstream=False):
                also.add(relative)
                other = spec.tasks[relative]
                if relative not in matched and not (other.is_setup or other.is_teardown):
                    also |= _relevant_setups_and_teardowns(spec, relative)
        if upstream:
            for relative in _closure(spec, task_id, upstream=True):
                also.add(relative)
                if spec.tasks[relative].is_setup:
                    also |= _teardowns_of(spec, relative) - {task_id}
        elif not task.is_setup and not task.is_teardown:
            also |= _relevant_setups_and_teardowns(spec, task_id)
        if task.is_setup and not downstream:
            also |= _teardowns_of(spec, task_id)
    return matched | also


# -- clear ------------------------------------------------------------------------------------


def clear_task_instances(
    session: Session,
    specs: SpecCache,
    dag_id: str,
    run_id: str | None,
    task_ids: Collection[str] | None,
    *,
    downstream: bool = False,
    upstream: bool = False,
    only_failed: bool = False,
    dry_run: bool = False,
    start_date: datetime | None = None,
    end_date: datetime | None = None,
    exclude_task_ids: Collection[str] = (),
    now: datetime | None = None,
) -> list[TiKey]:
    """Clear task instances so the scheduler runs them again; returns the keys cleared.

    ``run_id`` None clears in every run of the DAG (whose logical date is within
    ``start_date``/``end_date`` when given); ``task_ids`` None means every task. With
    ``only_failed`` only failed and upstream-failed instances are cleared. ``dry_run``
    changes nothing and returns what would be cleared. See the module docstring.
    """
    now = _now(now)
    spec = _latest_spec(session, specs, dag_id)
    selected = select_task_ids(
        spec, spec.tasks if task_ids is None else task_ids, downstream=downstream, upstream=upstream
    ) - set(exclude_task_ids)
    store = SqlStore(session)
    if run_id is not None:
        _run(store, dag_id, run_id)
    runs = run_history.list_dag_runs_between(
        session=session,
        dag_id=dag_id,
        run_ids=None if run_id is None else [run_id],
        start=start_date,
        end=end_date,
        lock=not dry_run,
    )
    rows = run_history.list_task_instances_of_runs(
        session=session,
        dag_id=dag_id,
        run_ids=[run.run_id for run in runs],
        task_ids=selected,
        states=FAILED_TASK_STATES if only_failed else None,
    )
    run_specs = {
        run.run_id: specs.get(session, dag_id, run.dag_version_hash) or spec for run in runs
    }
    # Removed instances, and tasks the run's DAG version does not have, are not run again.
    records = [
        ti
        for ti in (store.task_instance_record(row) for row in rows)
        if ti.state is not S.REMOVED and ti.task_id in run_specs[ti.run_id].tasks
    ]
    if dry_run or not records:
        return [ti.key for ti in records]
    by_run: dict[str, list[TaskInstanceRecord]] = defaultdict(list)
    for ti in records:
        by_run[ti.run_id].append(ti)
    cleared: list[TaskInstanceRecord] = []
    collapsed: list[tuple[str, str]] = []
    for run in runs:
        if run.run_id not in by_run:
            continue
        cleared_now, collapsed_now = _clear_run(
            store, run_specs[run.run_id], by_run[run.run_id], now
        )
        cleared += cleared_now
        collapsed += collapsed_now
        record = store.dag_run_record(run)
        if tr.REQUEUE_RUN.allowed(record):
            tr.REQUEUE_RUN.apply(record, now)
            store.save_dag_run(record)
    store.save_task_instances(cleared)
    run_history.delete_xcom(session=session, keys=[ti.key for ti in cleared])
    run_history.delete_xcom_of_tasks(session=session, dag_id=dag_id, tasks=collapsed)
    return [ti.key for ti in records]


def _clear_run(
    store: SqlStore, spec: DagSpec, tis: list[TaskInstanceRecord], now: datetime
) -> tuple[list[TaskInstanceRecord], list[tuple[str, str]]]:
    """Clear the instances of one run; returns those reset and the mapped tasks collapsed."""
    index = index_spec(spec)
    run_id = tis[0].run_id
    cleared_tasks = {ti.task_id for ti in tis}
    collapse = {
        ti.task_id
        for ti in tis
        if ti.map_index >= 0
        and referenced_tasks(index.map_length_spec(ti.task_id) or {}) & cleared_tasks
    }
    if collapse:
        everything = store.list_task_instances(spec.dag_id, run_id)
        store.delete_task_instances(ti for ti in everything if ti.task_id in collapse)
        store.add_task_instances(
            new_task_instance(index, spec.dag_id, run_id, task_id) for task_id in sorted(collapse)
        )
    reset: list[TaskInstanceRecord] = []
    for ti in tis:
        if ti.task_id in collapse:
            continue
        tr.CLEAR.apply(ti, now)
        # Airflow: the instance gets its retries again.
        ti.max_tries = ti.try_number + spec.tasks[ti.task_id].retries
        ti.xcom_lengths = {}  # its XCom is deleted with the clear
        reset.append(ti)
    return reset, [(run_id, task_id) for task_id in sorted(collapse)]


# -- mark task instances ----------------------------------------------------------------------


def set_task_instance_state(
    session: Session,
    specs: SpecCache,
    dag_id: str,
    run_id: str,
    task_ids: Collection[str],
    *,
    state: S,
    map_indexes: Collection[int] | None = None,
    downstream: bool = False,
    upstream: bool = False,
    dry_run: bool = False,
    now: datetime | None = None,
) -> list[TiKey]:
    """Mark task instances of one run success, failed or skipped; returns the keys marked.

    ``map_indexes`` limits which instances of ``task_ids`` are marked (relatives are marked
    whole). Instances already in ``state`` are left alone. Then, as Airflow does, the failed
    and upstream-failed tasks downstream of the marked ones are cleared so the run resumes
    (a finished run is queued again).
    """
    transition = _MARKS.get(state)
    if transition is None:
        raise TradewindError(
            f"A task instance can be marked success, failed or skipped, not {state}."
        )
    now = _now(now)
    store = SqlStore(session)
    run = _run(store, dag_id, run_id, lock=not dry_run)
    spec = specs.get(session, dag_id, run.dag_version) or _latest_spec(session, specs, dag_id)
    named = set(task_ids)
    unknown = sorted(named - set(spec.tasks))
    if unknown:
        raise TaskNotFoundError(
            f"DAG {dag_id!r} has no task(s) {', '.join(map(repr, unknown))}; "
            f"`tradewind tasks list {dag_id}` lists its tasks."
        )
    relatives: set[str] = set()
    for task_id in named:
        if downstream:
            relatives |= _closure(spec, task_id, upstream=False)
        if upstream:
            relatives |= _closure(spec, task_id, upstream=True)
    wanted = [
        ti
        for ti in store.list_task_instances(dag_id, run_id)
        if ti.state is not state
        and (
            ti.task_id in relatives
            or (ti.task_id in named and (map_indexes is None or ti.map_index in map_indexes))
        )
    ]
    if dry_run or not wanted:
        return [ti.key for ti in wanted]
    for ti in wanted:
        transition.apply(ti, now)
    store.save_task_instances(wanted)
    marked = {ti.task_id for ti in wanted}
    clear_task_instances(
        session,
        specs,
        dag_id,
        run_id,
        sorted(named),
        downstream=True,
        only_failed=True,
        exclude_task_ids=marked | named,
        now=now,
    )
    return [ti.key for ti in wanted]


# -- mark runs --------------------------------------------------------------------------------


def set_dag_run_state(
    session: Session,
    specs: SpecCache,
    dag_id: str,
    run_id: str,
    state: DagRunState,
    *,
    now: datetime | None = None,
) -> list[TiKey]:
    """Mark a run success, failed or queued as Airflow does; returns the task instances changed.

    success: every task instance not yet successful is marked success, except unfinished
    teardowns; the run is marked success unless such a teardown remains (it still runs).
    failed: running (and deferred, rescheduled) instances are marked failed, unfinished ones
    skipped, teardowns aside; the run is marked failed unless a teardown is still to run.
    queued: the run is queued again; its task instances are left as they are (clear them to
    run them again).
    """
    now = _now(now)
    store = SqlStore(session)
    run = _run(store, dag_id, run_id, lock=True)
    spec = specs.get(session, dag_id, run.dag_version) or _latest_spec(session, specs, dag_id)
    tis = store.list_task_instances(dag_id, run_id)

    def is_teardown(ti: TaskInstanceRecord) -> bool:
        task = spec.tasks.get(ti.task_id)
        return task is not None and task.is_teardown

    changed: list[TaskInstanceRecord] = []
    if state is DagRunState.SUCCESS:
        waiting = {
            ti.task_id for ti in tis if is_teardown(ti) and ti.state not in TERMINAL_TASK_STATES
        }
        for ti in tis:
            if ti.state is not S.SUCCESS and ti.task_id not in waiting:
                tr.MARK_SUCCESS.apply(ti, now)
                changed.append(ti)
        if not waiting:
            tr.MARK_RUN_SUCCESS.apply(run, now)
    elif state is DagRunState.FAILED:
        unfinished = [ti for ti in tis if ti.state not in TERMINAL_TASK_STATES]
        for ti in unfinished:
            if is_teardown(ti):
                continue
            (tr.MARK_FAILED if ti.state in _RUNNING else tr.MARK_SKIPPED).apply(ti, now)
            changed.append(ti)
        if not any(is_teardown(ti) for ti in unfinished):
            tr.MARK_RUN_FAILED.apply(run, now)
    elif state is DagRunState.QUEUED:
        tr.MARK_RUN_QUEUED.apply(run, now)
    else:
        raise TradewindError(f"A DAG run can be marked success, failed or queued, not {state}.")
    store.save_task_instances(changed)
    store.save_dag_run(run)
    return [ti.key for ti in changed]


# -- delete -----------------------------------------------------------------------------------


def delete_dag(session: Session, dag_id: str) -> dict[str, int]:
    """Delete a DAG and all its history; returns the rows deleted per table.

    Refused while one of its task instances is queued or running (mark the run failed or
    wait). The DAG comes back, paused or not per ``dags_are_paused_at_creation``, when the
    DAG processor next parses its file, if the file still defines it.
    """
    active = run_history.count_active_task_instances_of_dag(session=session, dag_id=dag_id)
    if active:
        raise TradewindError(
            f"DAG {dag_id!r} has {active} queued or running task instance(s); wait for them "
            f"to finish, or mark their runs failed (`tradewind dags list-runs {dag_id}`), "
            "then delete it."
        )
    known = dag_repo.get_dag(session=session, dag_id=dag_id) is not None
    counts = run_history.delete_dag_history(session=session, dag_id=dag_id)
    if not known and not any(counts.values()):
        raise DagNotFoundError(
            f"DAG {dag_id!r} is not in the database; `tradewind dags list` shows the DAGs known."
        )
    return counts
