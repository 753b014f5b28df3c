"""Running one try of one task: the only place user task code is called.

The runner turns a workload into a :class:`~tradewind.contracts.events.TaskEvent`: it builds
the context, resolves upstream results, renders templates, calls ``execute`` under its
execution timeout, pushes the result, runs the task's callbacks, and decides the try's end
state (``success``, ``skipped``, ``up_for_retry``, ``failed``, ``up_for_reschedule``).
"""

from __future__ import annotations

import copy
import signal
import socket
import threading
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from tradewind.contracts.events import TaskEvent
from tradewind.contracts.states import TaskInstanceState as S
from tradewind.contracts.workloads import ExecuteTask
from tradewind.errors import TradewindError
from tradewind.exceptions import FailTask, RescheduleTask, SkipTask, TaskTimeout
from tradewind.runtime.client import ExecutionClient
from tradewind.runtime.context import build_context
from tradewind.runtime.outlet_events import OutletEventAccessors, outlet_event_reports
from tradewind.runtime.task_instance import XCOM_RETURN_KEY, RuntimeTaskInstance
from tradewind.runtime.task_logging import task_output
from tradewind.sdk.connections import find_connection, use_connection_source
from tradewind.sdk.context import set_current_context
from tradewind.sdk.mapping import MappedOperator
from tradewind.sdk.params import resolve_params
from tradewind.sdk.templating import make_environment, render_template_fields, template_options_for
from tradewind.sdk.variables import use_variable_source
from tradewind.sdk.xcom_arg import contains_xcom_arg, iter_xcom_refs, resolve_xcom_args

if TYPE_CHECKING:
    import logging

    from tradewind.sdk.abstractoperator import AbstractOperator
    from tradewind.sdk.baseoperator import BaseOperator
    from tradewind.sdk.dag import DAG

_HOSTNAME = socket.gethostname()


class UnmappableResultError(TradewindError, TypeError):
    """A task whose result a downstream task maps over returned something not list-like."""


def _now() -> datetime:
    return datetime.now(UTC)


def task_label(task_id: str, map_index: int) -> str:
    return task_id if map_index < 0 else f"{task_id}[{map_index}]"


@contextmanager
def _execution_timeout(seconds: float | None, operator: BaseOperator) -> Iterator[None]:
    """Raise TaskTimeout in this (main) thread when the try runs past its timeout."""
    if not seconds or threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_alarm(signum: int, frame: Any) -> None:
        operator.on_kill()
        raise TaskTimeout(f"Task exceeded its execution_timeout of {seconds:g} s.")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _materialize(task: AbstractOperator, context: dict[str, Any], map_index: int) -> BaseOperator:
    """The concrete operator of this try, with upstream results resolved and templates rendered."""
    if isinstance(task, MappedOperator):
        operator = task.unmap(task.expand_input.values_at(map_index, context))
    else:
        operator = copy.copy(task)  # type: ignore[assignment]
    for name in operator.template_fields:
        value = getattr(operator, name, None)
        if contains_xcom_arg(value):
            setattr(operator, name, resolve_xcom_args(value, context))
    env = make_environment(template_options_for(operator.dag))
    render_template_fields(operator, context, env)
    return operator


def _check_mappable(task: AbstractOperator, dag: DAG, result: Any) -> None:
    if isinstance(result, list | tuple | dict):
        return
    if task.is_mapped or (task.task_group is not None and task.task_group.mapped_group()):
        return  # each instance gives one item of what a consumer maps over (repeated mapping)
    for down_id in task.downstream_task_ids:
        down = dag.get_task(down_id)
        group = down.task_group.mapped_group() if down.task_group else None
        sources = [
            g.expand_input.references()
            for g in (down, group)
            if g is not None and hasattr(g, "expand_input")
        ]
        if any(op is task for source in sources for op, _ in iter_xcom_refs(source)):
            raise UnmappableResultError(
                f"Task {down_id!r} maps over the result of {task.task_id!r} with .expand(), but "
                f"{task.task_id!r} returned {type(result).__name__}. Return a list or a dict."
            )


def _push_result(ti: RuntimeTaskInstance, operator: BaseOperator, dag: DAG, result: Any) -> None:
    if not operator.do_xcom_push:
        return
    _check_mappable(ti.task, dag, result)
    if result is None:
        return
    if operator.multiple_outputs:
        if not isinstance(result, dict):
            raise TypeError(
                f"Task {operator.task_id!r} has multiple_outputs=True and must return a dict, "
                f"not {type(result).__name__}."
            )
        for key, value in result.items():
            if not isinstance(key, str):
                raise TypeError(
                    f"Task {operator.task_id!r} returned key {key!r}; with multiple_outputs "
                    "every key must be a string."
                )
            ti.xcom_push(key, value)
    ti.xcom_push(XCOM_RETURN_KEY, result)


def _run_callbacks(operator: Any, kind: str, context: dict[str, Any], log: logging.Logger) -> None:
    callbacks = getattr(operator, f"on_{kind}_callback", None)
    if callbacks is None:
        return
    for callback in [callbacks] if callable(callbacks) else list(callbacks):
        try:
            callback(context)
        except Exception:  # a callback must not change the task's outcome
            log.exception("The on_%s_callback %r raised", kind, callback)


def _describe(error: BaseException) -> str:
    message = str(error)
    return f"{type(error).__name__}: {message}" if message else type(error).__name__


def run_task(
    workload: ExecuteTask,
    dag: DAG,
    client: ExecutionClient,
    *,
    test_mode: bool = False,
    reschedule_start_date: datetime | None = None,
    clock: Callable[[], datetime] = _now,
) -> TaskEvent:
    """Run one try and say how it ended. Exceptions from user code never escape."""
    key = workload.key
    start = clock()
    with task_output(task_label(key.task_id, key.map_index)) as log:
        task: Any = None
        context: dict[str, Any] = {}
        ti: RuntimeTaskInstance | None = None
        operator: Any = None
        reports: tuple[dict[str, Any], ...] = ()
        try:
            task = dag.get_task(key.task_id)
            run = workload.run or client.get_run_info(key.dag_id, key.run_id)
            ti = RuntimeTaskInstance(
                key=key,
                task=task,
                dag=dag,
                run=run,
                client=client,
                max_tries=workload.max_tries,
                start_date=start,
                reschedule_start_date=reschedule_start_date or workload.reschedule_start_date,
                hostname=_HOSTNAME,
            )
            params = resolve_params(dag.params, task.params, conf=run.conf)
            context = build_context(
                dag=dag,
                task=task,
                ti=ti,
                run=run,
                params=params,
                get_variable=client.get_variable,
                get_connection=lambda conn_id: find_connection(conn_id, client.get_connection),
                test_mode=test_mode,
            )
            with (
                set_current_context(context),
                use_variable_source(client.get_variable),
                use_connection_source(client.get_connection),
            ):
                operator = _materialize(task, context, key.map_index)
                context["task"] = operator
                _run_callbacks(operator, "execute", context, log)
                with _execution_timeout(
                    operator.execution_timeout.total_seconds()
                    if operator.execution_timeout
                    else None,
                    operator,
                ):
                    operator.pre_execute(context)
                    result = operator.execute(context)
                    operator.post_execute(context, result)
                _push_result(ti, operator, dag, result)
                outlet_events = context.get("outlet_events")
                if isinstance(outlet_events, OutletEventAccessors):
                    reports = outlet_event_reports(outlet_events)
        except SkipTask as signal_:
            log.info("Task skipped: %s", signal_ or "SkipTask raised")
            _run_callbacks(operator or task, "skipped", context, log)
            return _event(workload, S.SKIPPED, start, clock(), ti)
        except RescheduleTask as signal_:
            log.info("Rescheduled for %s", signal_.reschedule_date.isoformat())
            return _event(
                workload,
                S.UP_FOR_RESCHEDULE,
                start,
                clock(),
                ti,
                reschedule_at=signal_.reschedule_date,
            )
        except (Exception, FailTask, SystemExit) as error:  # the boundary around user code
            log.error("Task failed:\n%s", "".join(traceback.format_exception(error)).rstrip())
            context["exception"] = error
            retry = not isinstance(error, FailTask) and key.try_number <= workload.max_tries
            _run_callbacks(operator or task, "retry" if retry else "failure", context, log)
            state = S.UP_FOR_RETRY if retry else S.FAILED
            return _event(workload, state, start, clock(), ti, error=_describe(error))
        if result is not None and getattr(operator, "show_return_value_in_logs", True):
            log.info("Returned value: %.500r", result)
        _run_callbacks(operator, "success", context, log)
        return _event(workload, S.SUCCESS, start, clock(), ti, outlet_events=reports)


def _event(
    workload: ExecuteTask,
    state: S,
    start: datetime,
    end: datetime,
    ti: RuntimeTaskInstance | None,
    *,
    error: str | None = None,
    reschedule_at: datetime | None = None,
    outlet_events: tuple[dict[str, Any], ...] = (),
) -> TaskEvent:
    return TaskEvent(
        key=workload.key,
        state=state,
        start_date=start,
        end_date=end,
        error=error,
        skip_task_ids=tuple(sorted(ti.skip_requests)) if ti else (),
        xcom_lengths=dict(ti.xcom_lengths) if ti else {},
        reschedule_at=reschedule_at,
        hostname=_HOSTNAME,
        outlet_events=outlet_events,
    )
