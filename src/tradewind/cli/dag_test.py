"""``dags test`` / ``dag.test()``: one run of a DAG, in this process, with the real engine.

The run goes through the same planner, state transitions and task runner as the scheduler,
with an in-memory store and the inline executor, so what passes here behaves the same on a
server.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from tradewind.contracts.runs import DagRunType
from tradewind.contracts.states import TERMINAL_RUN_STATES, TERMINAL_TASK_STATES, DagRunState
from tradewind.contracts.states import TaskInstanceState as S
from tradewind.core.dagrun import DagRunDriver
from tradewind.core.execution_service import StoreExecutionService
from tradewind.executors.inline import InlineExecutor
from tradewind.runtime.dag_callbacks import run_dag_callbacks
from tradewind.runtime.runner import run_task, task_label
from tradewind.runtime.task_logging import TaskLabelFilter
from tradewind.sdk.params import resolve_params
from tradewind.sdk.serialization import serialize_dag
from tradewind.storage.memory import MemoryStore
from tradewind.storage.records import DagRunRecord, TaskInstanceRecord, TaskTryRecord

if TYPE_CHECKING:
    from rich.console import Console

    from tradewind.contracts.workloads import ExecuteTask
    from tradewind.sdk.dag import DAG

log = logging.getLogger(__name__)


@dataclass
class DagTestResult:
    """The finished run, its task instances and every try."""

    run: DagRunRecord
    task_instances: list[TaskInstanceRecord]
    tries: list[TaskTryRecord] = field(default_factory=list)

    @property
    def state(self) -> DagRunState:
        return self.run.state

    def states(self) -> dict[str, str | None]:
        """``task_id`` (``task_id[i]`` for mapped instances) → state."""
        return {
            task_label(ti.task_id, ti.map_index): (str(ti.state) if ti.state else None)
            for ti in self.task_instances
        }


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


class _ConsoleLogHandler(logging.Handler):
    """Task log lines on the console, each prefixed with its task."""

    def __init__(self, console: Console) -> None:
        super().__init__(logging.INFO)
        self.console = console
        self.addFilter(TaskLabelFilter())

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = record.getMessage()
            if record.exc_info and record.exc_info[1] is not None:
                message += "\n" + logging.Formatter().formatException(record.exc_info)
            label = getattr(record, "tw_task", "") or record.name
            style = "red" if record.levelno >= logging.ERROR else "dim"
            for line in message.splitlines() or [""]:
                self.console.print(f"[{style}]\\[{label}][/] {line}", markup=True, highlight=False)
        except Exception:
            self.handleError(record)


def run_dag_test(
    dag: DAG,
    *,
    logical_date: datetime | None = None,
    conf: Mapping[str, Any] | None = None,
    run_id: str | None = None,
    console: Console | None = None,
    quiet: bool = False,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> DagTestResult:
    """Run ``dag`` once and return the finished run. Raises for an invalid DAG or conf."""
    dag.validate()
    spec = serialize_dag(dag)
    resolve_params(dag.params, conf=conf)  # a bad conf is the caller's error, before any task
    now = clock()
    logical = _aware(logical_date) or now
    interval = dag.timetable.infer_manual_data_interval(run_after=logical)
    store = MemoryStore()
    service = StoreExecutionService(store)
    driver = DagRunDriver.create(
        spec,
        store,
        run_id=run_id,
        run_type=DagRunType.MANUAL,
        logical_date=logical,
        data_interval=(interval.start, interval.end),
        run_after=logical,
        conf=dict(conf or {}),
        now=now,
    )

    def run_one(workload: ExecuteTask) -> Any:
        return run_task(workload, dag, service, test_mode=True, clock=clock)

    executor = InlineExecutor(run_one)
    handler = None
    if not quiet:
        from rich.console import Console

        # Pin today's stdout: while a task runs, sys.stdout is redirected to the task log.
        console = console or Console(file=sys.stdout, highlight=False)
        handler = _ConsoleLogHandler(console)
        logging.getLogger().addHandler(handler)
        if logging.getLogger().level > logging.INFO or logging.getLogger().level == 0:
            logging.getLogger().setLevel(logging.INFO)
    try:
        if console is not None and console.is_terminal:
            with console.status("starting…", spinner="dots") as status:
                _drive(driver, executor, clock, progress=_status_updater(driver, status))
        else:
            _drive(driver, executor, clock)
    finally:
        if handler is not None:
            logging.getLogger().removeHandler(handler)
    position = {task_id: n for n, task_id in enumerate(driver.index.order)}
    result = DagTestResult(
        run=driver.run,
        task_instances=sorted(
            driver.task_instances(), key=lambda ti: (position[ti.task_id], ti.map_index)
        ),
        tries=[
            t
            for task_id in spec.tasks
            for t in store.list_tries(dag.dag_id, driver.run.run_id, task_id)
        ],
    )
    _run_dag_callbacks(dag, driver)
    if console is not None and not quiet:
        print_summary(console, result)
    return result


def _status_updater(driver: DagRunDriver, status: Any) -> Callable[[str], None]:
    """A live line: how many task instances are done, and which one runs now."""

    def update(running: str) -> None:
        tis = driver.task_instances()
        done = sum(1 for ti in tis if ti.state in TERMINAL_TASK_STATES)
        status.update(f"{done}/{len(tis)} task instances done · running {running}")

    return update


def _drive(
    driver: DagRunDriver,
    executor: InlineExecutor,
    clock: Callable[[], datetime],
    progress: Callable[[str], None] | None = None,
) -> None:
    driver.start(clock())
    candidates: set[str] | None = None
    while True:
        plan = driver.plan(clock(), candidates)
        if not plan.ready and candidates is not None:
            candidates = None  # look at everything before concluding that nothing can run
            continue
        candidates = set()
        if not plan.ready:
            state = driver.update_state(clock(), plan)
            if state in TERMINAL_RUN_STATES:
                return
            if plan.next_wakeup is not None:
                time.sleep(max(0.0, (plan.next_wakeup - clock()).total_seconds()))
            candidates = None
            continue
        for ti in plan.ready:
            if ti.state is not S.SCHEDULED:  # skipped by a branch that ran meanwhile
                continue
            workload = driver.workload(ti, clock())
            driver.mark_running(workload.key, clock())
            if progress is not None:
                progress(task_label(ti.task_id, ti.map_index))
            executor.submit(workload)
            for event in executor.events():
                candidates |= driver.apply_event(event, clock())


def _run_dag_callbacks(dag: DAG, driver: DagRunDriver) -> None:
    workload = driver.callbacks()
    if workload is not None:
        run_dag_callbacks(dag, workload.run, success=workload.success, reason=workload.reason)


_STATE_STYLES = {
    "success": "green",
    "failed": "red",
    "upstream_failed": "dark_orange",
    "skipped": "magenta",
    "up_for_retry": "yellow",
    "removed": "dim",
}


def print_summary(console: Console, result: DagTestResult) -> None:
    from rich.table import Table

    tries: dict[tuple[str, int], int] = {}
    for item in result.tries:
        tries[(item.task_id, item.map_index)] = max(
            tries.get((item.task_id, item.map_index), 0), item.try_number
        )
    table = Table(title=f"{result.run.dag_id} · {result.run.run_id}", title_justify="left")
    for column in ("task", "map index", "state", "tries", "duration"):
        table.add_column(
            column, justify="right" if column in ("map index", "tries", "duration") else "left"
        )
    for ti in result.task_instances:
        state = str(ti.state) if ti.state else "none"
        duration = f"{ti.duration:.3f}s" if ti.duration is not None else ""
        table.add_row(
            ti.task_id,
            "" if ti.map_index < 0 else str(ti.map_index),
            f"[{_STATE_STYLES.get(state, 'white')}]{state}[/]",
            str(tries.get((ti.task_id, ti.map_index), ti.try_number)),
            duration,
        )
    console.print(table)
    style = "green" if result.state is DagRunState.SUCCESS else "red"
    reason = f" ({result.run.reason})" if result.run.reason else ""
    console.print(f"Run [bold {style}]{result.state}[/]{reason}")
