"""A DAG's run callbacks: ``on_success_callback`` / ``on_failure_callback`` of the DAG.

They are called once a run has ended, with a context holding the DAG, the run (``dag_run``,
``run_id``, ``logical_date``), ``reason``, and the asset events an asset-triggered run
consumed (``triggering_asset_events``, also under Airflow 2's ``triggering_dataset_events``). ``dags test`` calls them in its own process; on
a server the local executor's supervisor calls them in a process of their own
(:func:`run_dag_callbacks_process`), so that user code cannot take the worker down.
"""

from __future__ import annotations

import logging
import os
import sys
import traceback
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from tradewind.contracts.runs import DagRunInfo
from tradewind.contracts.workloads import RunDagCallbacks
from tradewind.runtime.context import context_dag_run
from tradewind.runtime.triggering_events import TriggeringAssetEvents

if TYPE_CHECKING:
    from tradewind.sdk.dag import DAG

__all__ = ["run_dag_callbacks", "run_dag_callbacks_process"]

log = logging.getLogger("tradewind.dag_callbacks")


def run_dag_callbacks(dag: DAG, run: DagRunInfo, *, success: bool, reason: str) -> int:
    """Call the DAG's success or failure callbacks for ``run``; returns how many raised.

    A callback that raises is logged and the next one is still called: a callback never
    changes the run's outcome.
    """
    callbacks = dag.on_success_callback if success else dag.on_failure_callback
    if callbacks is None:
        return 0
    asset_events = TriggeringAssetEvents(run.triggering_asset_events)
    context = {
        "dag": dag,
        "dag_run": context_dag_run(run),
        "run_id": run.run_id,
        "reason": reason,
        "logical_date": run.logical_date,
        "params": dict(dag.params) if getattr(dag, "params", None) else {},
        "triggering_asset_events": asset_events,
        "triggering_dataset_events": asset_events,
    }
    failures = 0
    listed: list[Callable[[dict[str, Any]], Any]] = (
        [callbacks] if callable(callbacks) else list(callbacks)
    )
    for callback in listed:
        try:
            callback(context)
        except Exception:
            failures += 1
            log.exception(
                "The %s callback %r of DAG %s raised",
                "on_success_callback" if success else "on_failure_callback",
                callback,
                dag.dag_id,
            )
    return failures


def run_dag_callbacks_process(
    *,
    workload: RunDagCallbacks,
    dag: DAG,
    log_path: Path,
    parent_pid: int,
    forget_parent: Callable[[], None],
) -> NoReturn:
    """In a freshly forked process: call the callbacks, logging to ``log_path``, and exit.

    Exits 0 when every callback returned, 1 otherwise.
    """
    from tradewind.runtime.task_process import prepare_child_process

    code = 1
    try:
        prepare_child_process(log_path, forget_parent, parent_pid=parent_pid)
        sys.path.insert(0, str(Path(workload.dag_file).parent))
        kind = "on_success_callback" if workload.success else "on_failure_callback"
        log.info("Calling %s of DAG %s for run %s", kind, dag.dag_id, workload.run.run_id)
        failures = run_dag_callbacks(
            dag, workload.run, success=workload.success, reason=workload.reason
        )
        code = 1 if failures else 0
    except BaseException:  # this process's own machinery failed: say why in the log
        with suppress(BaseException):
            traceback.print_exc()
    finally:
        with suppress(BaseException):
            sys.stdout.flush()
            sys.stderr.flush()
            logging.shutdown()
        os._exit(code)
