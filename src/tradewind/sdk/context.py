"""The task context: what a running task and its templates know about their run.

:class:`Context` is a ``dict``: tasks index it (``context["ds"]``), call ``.get``, or take its
keys as keyword arguments. The runner builds one per task try
(:func:`tradewind.runtime.context.build_context`) and makes it current while the task runs, so
that code deep inside a task can reach it with :func:`get_current_context`.
"""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Final

from tradewind.errors import TradewindError

__all__ = [
    "DEPRECATED_KEYS",
    "LOGICAL_DATE_KEYS",
    "Context",
    "get_current_context",
    "set_current_context",
]

#: Airflow 2 keys that Airflow 3 dropped; Tradewind still sets them (without warnings) so that
#: Airflow 2 DAG files keep working.
DEPRECATED_KEYS: Final = frozenset(
    {
        "execution_date",
        "next_execution_date",
        "prev_execution_date",
        "prev_execution_date_success",
        "next_ds",
        "next_ds_nodash",
        "prev_ds",
        "prev_ds_nodash",
        "tomorrow_ds",
        "tomorrow_ds_nodash",
        "yesterday_ds",
        "yesterday_ds_nodash",
    }
)

#: Keys that exist only when the run has a logical date (as in Airflow 3).
LOGICAL_DATE_KEYS: Final = DEPRECATED_KEYS | {
    "logical_date",
    "ds",
    "ds_nodash",
    "ts",
    "ts_nodash",
    "ts_nodash_with_tz",
    "data_interval_start",
    "data_interval_end",
    "prev_data_interval_start_success",
    "prev_data_interval_end_success",
}


class Context(dict[str, Any]):
    """The task context: a plain ``dict`` of Airflow's context keys.

    A missing key raises ``KeyError`` with a message that says why it is missing.
    """

    __slots__ = ()

    def __missing__(self, key: str) -> Any:
        if key in LOGICAL_DATE_KEYS:
            raise KeyError(
                f"The context has no {key!r}: this DAG run has no logical date (a manual or "
                "asset-triggered run created without one), so date keys are not set. Use "
                "dag_run.run_after instead, or trigger the run with a logical date."
            )
        raise KeyError(key)


# The context of the task running in this thread or asyncio task. A ContextVar keeps tasks
# that share a process (the inline executor, threads, event loops) apart.
_current: contextvars.ContextVar[Context | None] = contextvars.ContextVar(
    "tradewind_current_context", default=None
)


class _ActiveContexts:
    """Contexts of the tasks now running in this process, for threads a task starts itself.

    A thread started by user code does not inherit context variables, yet Airflow lets it call
    ``get_current_context()``. When exactly one task runs in the process (a forked child or a
    Celery worker slot) that answer is unambiguous, so such threads get it; with several
    running tasks they get the usual error.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._contexts: list[Context] = []

    def push(self, context: Context) -> None:
        with self._lock:
            self._contexts.append(context)

    def remove(self, context: Context) -> None:
        with self._lock:
            for index, active in enumerate(self._contexts):
                if active is context:
                    del self._contexts[index]
                    return

    def only(self) -> Context | None:
        with self._lock:
            distinct = {id(context): context for context in self._contexts}
        return next(iter(distinct.values())) if len(distinct) == 1 else None


_active = _ActiveContexts()


def get_current_context() -> Context:
    """The context of the task that is running now.

    Raises :class:`~tradewind.errors.TradewindError` outside a running task.
    """
    context = _current.get()
    if context is None:
        context = _active.only()
    if context is None:
        raise TradewindError(
            "get_current_context() works only while a task runs: call it from a task's "
            "execute() or from inside a @task function, not at the top level of a DAG file "
            "or while the DAG is being defined."
        )
    return context


@contextmanager
def set_current_context(context: Context) -> Iterator[Context]:
    """Make ``context`` current for the ``with`` block (the runner wraps each task try in it)."""
    token = _current.set(context)
    _active.push(context)
    try:
        yield context
    finally:
        _active.remove(context)
        _current.reset(token)
