"""A scheduler that runs tasks in this process: for ``dags backfill --run-here``, ``tasks run``
and tests.

Each try runs on the calling thread (the inline executor), imports its DAG file here, and
records its state through a session of its own. Its log goes to the conventional file under
``logs_folder`` (``dag_id=…/run_id=…/task_id=…/[map_index=…/]attempt=N.log``), whose place is
recorded for ``tasks logs``.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

from tradewind.contracts.dagspec import DagSpec
from tradewind.contracts.events import TaskEvent
from tradewind.contracts.log_files import LOG_DATE_FORMAT, LOG_FORMAT, task_log_path
from tradewind.contracts.states import ACTIVE_TASK_STATES, TERMINAL_TASK_STATES, TaskInstanceState
from tradewind.contracts.workloads import ExecuteTask
from tradewind.core import transitions as tr
from tradewind.core.dagrun import DagRunDriver
from tradewind.core.execution_service import StoreExecutionService
from tradewind.errors import TaskNotFoundError, TradewindError
from tradewind.executors.inline import InlineExecutor
from tradewind.runtime.dag_cache import DagFileCache
from tradewind.runtime.runner import run_task
from tradewind.server.asset_triggers import record_outlet_events
from tradewind.server.run_operations import DagRunNotFoundError
from tradewind.server.scheduler import Scheduler, SchedulerOptions
from tradewind.server.specs import SessionFactory, SpecCache
from tradewind.storage.records import TaskInstanceRecord
from tradewind.storage.repos import logs as log_repo
from tradewind.storage.sql_store import SqlStore

__all__ = ["InProcessTaskRunner", "in_process_scheduler", "run_task_instance"]


@contextlib.contextmanager
def _log_file(path: Path | None) -> Iterator[None]:
    """Send every log record (the task's output included) to ``path`` while the try runs."""
    if path is None:
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(path, encoding="utf-8")
    formatter = logging.Formatter(LOG_FORMAT, LOG_DATE_FORMAT)
    formatter.converter = time.gmtime
    handler.setFormatter(formatter)
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    if level == logging.NOTSET or level > logging.INFO:
        root.setLevel(logging.INFO)
    try:
        yield
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
        handler.close()


class InProcessTaskRunner:
    """Runs one workload here and reports how it ended (a ``TaskRunner``)."""

    def __init__(
        self,
        session_factory: SessionFactory,
        *,
        logs_folder: Path | None = None,
        import_timeout: float = 30.0,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.session_factory = session_factory
        self.logs_folder = logs_folder
        self.clock = clock
        self._dags = DagFileCache(import_timeout=import_timeout)

    def __call__(self, workload: ExecuteTask) -> TaskEvent:
        key = workload.key
        loaded = self._dags.get(workload.dag_file)
        dag = loaded.dags.get(key.dag_id)
        if dag is None:
            problem = loaded.errors[0].message if loaded.errors else "it does not define it"
            now = self.clock()
            retry = key.try_number <= workload.max_tries
            return TaskEvent(
                key,
                TaskInstanceState.UP_FOR_RETRY if retry else TaskInstanceState.FAILED,
                start_date=now,
                end_date=now,
                error=f"DAG {key.dag_id!r} could not be loaded from {workload.dag_file}: {problem}",
            )
        path = task_log_path(self.logs_folder, key) if self.logs_folder is not None else None
        with _log_file(path), self.session_factory() as session:
            event = run_task(workload, dag, StoreExecutionService(SqlStore(session)))
            if path is not None:
                log_repo.upsert_log_location(
                    session=session, key=key, location=str(path), now=self.clock()
                )
            session.commit()
        return event


def in_process_scheduler(
    session_factory: SessionFactory,
    *,
    logs_folder: Path | None = None,
    import_timeout: float = 30.0,
    options: SchedulerOptions | None = None,
) -> Scheduler:
    """A scheduler whose tasks run inline, here; drive it with ``step()``."""
    runner = InProcessTaskRunner(
        session_factory, logs_folder=logs_folder, import_timeout=import_timeout
    )
    return Scheduler(
        session_factory=session_factory, executor=InlineExecutor(runner), options=options
    )


def run_task_instance(
    session_factory: SessionFactory,
    dag_id: str,
    run_id: str,
    task_id: str,
    *,
    map_index: int = -1,
    ignore_dependencies: bool = False,
    force: bool = False,
    logs_folder: Path | None = None,
    import_timeout: float = 30.0,
) -> TaskEvent:
    """Run one task instance of an existing run here, recording its try as a scheduler would.

    Its upstream tasks must have let it run (its trigger rule), unless ``ignore_dependencies``.
    A finished instance runs again only with ``force`` (else: clear it first). Raises for an
    instance that is queued or running, or that its trigger rule skipped or failed.
    """
    now = datetime.now(UTC)
    specs = SpecCache()
    with session_factory() as session:
        store = SqlStore(session)
        run = store.get_dag_run(dag_id, run_id)
        if run is None:
            raise DagRunNotFoundError(
                f"DAG {dag_id!r} has no run {run_id!r}; `tradewind dags list-runs {dag_id}` "
                "lists its runs."
            )
        spec = specs.get(session, dag_id, run.dag_version) or specs.latest(session, dag_id)
        if spec is None or task_id not in spec.tasks:
            raise TaskNotFoundError(
                f"DAG {dag_id!r} has no task {task_id!r}; `tradewind tasks list {dag_id}` "
                "lists its tasks."
            )
        driver = DagRunDriver(spec, store, run)
        ti = _instance(store, dag_id, run_id, task_id, map_index)
        if ti.state in ACTIVE_TASK_STATES:
            raise TradewindError(
                f"Task {_label(task_id, map_index)} of run {run_id!r} is {ti.state} already."
            )
        if ti.state in TERMINAL_TASK_STATES:
            if not force:
                raise TradewindError(
                    f"Task {_label(task_id, map_index)} of run {run_id!r} is {ti.state}; clear it "
                    f"first (`tradewind tasks clear {dag_id} -t '^{task_id}$' --run-id {run_id}`)"
                    ", or pass --force."
                )
            tr.CLEAR.apply(ti, now)
            store.save_task_instances([ti])
        if ti.state is not TaskInstanceState.SCHEDULED:
            if ignore_dependencies:
                tr.SCHEDULE.apply(ti, now)
                store.save_task_instances([ti])
            else:
                ready = _schedule_by_trigger_rule(driver, ti, now)
                session.commit()  # what planning decided holds whether it may run or not
                if not ready:
                    raise TradewindError(_not_ready(spec, store, ti))
        workload = driver.workload(ti, now)
        session.commit()
    runner = InProcessTaskRunner(
        session_factory, logs_folder=logs_folder, import_timeout=import_timeout
    )
    event = runner(workload)
    with session_factory() as session:
        store = SqlStore(session)
        run = store.get_dag_run(dag_id, run_id)
        if run is not None:
            now = datetime.now(UTC)
            changed = DagRunDriver(spec, store, run).apply_event(event, now)
            if changed and event.state is TaskInstanceState.SUCCESS:
                record_outlet_events(session, spec, event.key, now, event.outlet_events)
        session.commit()
    return event


def _label(task_id: str, map_index: int) -> str:
    return repr(task_id) if map_index < 0 else f"{task_id!r} (map index {map_index})"


def _instance(
    store: SqlStore, dag_id: str, run_id: str, task_id: str, map_index: int
) -> TaskInstanceRecord:
    ti = store.get_task_instance(dag_id, run_id, task_id, map_index)
    if ti is not None:
        return ti
    indexes = sorted(
        t.map_index for t in store.list_task_instances(dag_id, run_id) if t.task_id == task_id
    )
    if indexes and indexes[0] >= 0:
        hint = f"it is mapped: give --map-index {indexes[0]} to {indexes[-1]}"
    elif indexes:
        hint = "it is not mapped: leave out --map-index"
    else:
        hint = "the run was created before the task existed"
    raise TradewindError(
        f"Run {run_id!r} of {dag_id!r} has no instance of task {task_id!r} at map index "
        f"{map_index}; {hint}."
    )


def _schedule_by_trigger_rule(driver: DagRunDriver, ti: TaskInstanceRecord, now: datetime) -> bool:
    """Plan the task as the scheduler would; True if its trigger rule let it be scheduled."""
    plan = driver.plan(now, candidates=[ti.task_id])
    return any(ready is ti for ready in plan.ready)


def _not_ready(spec: DagSpec, store: SqlStore, ti: TaskInstanceRecord) -> str:
    label = _label(ti.task_id, ti.map_index)
    if ti.state is not None:
        return f"Task {label} is {ti.state}: its trigger rule decided so, it will not run."
    current = store.get_task_instance(ti.dag_id, ti.run_id, ti.task_id, ti.map_index)
    if current is None:
        return f"Task {label} was expanded into mapped instances: run one with --map-index."
    task = spec.tasks[ti.task_id]
    waiting = sorted(
        {
            up.task_id
            for up in store.list_task_instances(ti.dag_id, ti.run_id)
            if up.task_id in task.upstream and up.state not in TERMINAL_TASK_STATES
        }
    )
    reason = (
        f"upstream task(s) {', '.join(waiting)} have not finished"
        if waiting
        else (f"its trigger rule {task.trigger_rule} is not met")
    )
    return f"Task {label} cannot run yet: {reason}. Pass --ignore-dependencies to run it anyway."
