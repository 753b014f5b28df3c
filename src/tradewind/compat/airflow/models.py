"""``TaskInstance`` and ``DagRun`` for DAG files that name them in annotations or checks.

Tradewind makes these objects itself (``context["ti"]``, ``context["dag_run"]``); a DAG file
never builds them. The classes answer ``isinstance`` by shape, so
``isinstance(context["ti"], TaskInstance)`` is true.
"""

from __future__ import annotations

from typing import Any, ClassVar

__all__ = ["DagRun", "TaskInstance"]


class _ShapeCheck(type):
    """``isinstance(x, cls)`` holds when ``x`` has every attribute in ``cls.required``."""

    required: tuple[str, ...]

    def __instancecheck__(cls, instance: Any) -> bool:
        return all(hasattr(instance, name) for name in cls.required)


class _MadeByTradewind(metaclass=_ShapeCheck):
    required: ClassVar[tuple[str, ...]] = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise TypeError(
            f"Tradewind creates {type(self).__name__} objects itself; read them from the task "
            "context (context['ti'], context['dag_run']) instead of building one."
        )


class TaskInstance(_MadeByTradewind):
    """The running task instance, as ``context["ti"]`` holds it."""

    required = ("task_id", "run_id", "xcom_pull", "xcom_push")


class DagRun(_MadeByTradewind):
    """The DAG run a task belongs to, as ``context["dag_run"]`` holds it."""

    required = ("dag_id", "run_id", "run_type", "conf")
