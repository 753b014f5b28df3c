"""Running a single task once, outside of any run's dependencies."""

from __future__ import annotations

import logging
import sys
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from tradewind.cli.dag_test import _ConsoleLogHandler
from tradewind.contracts.events import TaskEvent
from tradewind.contracts.runs import DagRunType, TaskInstanceKey
from tradewind.contracts.workloads import ExecuteTask
from tradewind.core.dagrun import DagRunDriver
from tradewind.core.execution_service import StoreExecutionService
from tradewind.errors import TradewindError
from tradewind.runtime.runner import run_task
from tradewind.sdk.serialization import serialize_dag
from tradewind.storage.memory import MemoryStore

if TYPE_CHECKING:
    from tradewind.sdk.dag import DAG


def run_task_test(
    dag: DAG,
    task_id: str,
    *,
    map_index: int = -1,
    conf: Mapping[str, Any] | None = None,
    logical_date: datetime | None = None,
) -> TaskEvent:
    task = dag.get_task(task_id)
    if task.is_mapped and map_index < 0:
        raise TradewindError(f"Task {task_id!r} is mapped; choose an instance with --map-index N.")
    if not task.is_mapped and map_index >= 0:
        raise TradewindError(f"Task {task_id!r} is not mapped; leave out --map-index.")
    now = datetime.now(UTC)
    logical = logical_date or now
    interval = dag.timetable.infer_manual_data_interval(run_after=logical)
    store = MemoryStore()
    driver = DagRunDriver.create(
        serialize_dag(dag),
        store,
        run_id=None,
        run_type=DagRunType.MANUAL,
        logical_date=logical,
        data_interval=(interval.start, interval.end),
        run_after=logical,
        conf=dict(conf or {}),
        now=now,
    )
    workload = ExecuteTask(
        key=TaskInstanceKey(dag.dag_id, driver.run.run_id, task_id, map_index, 1),
        dag_file=dag.fileloc,
        max_tries=0,
    )
    from rich.console import Console

    handler = _ConsoleLogHandler(Console(file=sys.stdout, highlight=False))
    root = logging.getLogger()
    root.addHandler(handler)
    if root.level == 0 or root.level > logging.INFO:
        root.setLevel(logging.INFO)
    try:
        return run_task(workload, dag, StoreExecutionService(store), test_mode=True)
    finally:
        root.removeHandler(handler)
