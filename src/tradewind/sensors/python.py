"""``PythonSensor`` and ``@task.sensor``: wait until a Python function says so.

The function is called like a ``PythonOperator``'s (``op_args``, ``op_kwargs`` and the context
keys it names) and returns a bool or a :class:`PokeReturnValue`, whose ``xcom_value`` becomes
the task's XCom once it is done.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar

from tradewind.sdk.decorators import make_task_decorator
from tradewind.sdk.python_callable import call_with_context
from tradewind.sensors.base import BaseSensorOperator, PokeReturnValue

__all__ = ["PythonSensor", "sensor_task"]

log = logging.getLogger(__name__)


class PythonSensor(BaseSensorOperator):
    """Poke by calling ``python_callable``; a truthy result (or a done PokeReturnValue) ends it."""

    template_fields: Sequence[str] = ("templates_dict", "op_args", "op_kwargs")
    shallow_copy_attrs = ("python_callable",)

    def __init__(
        self,
        *,
        python_callable: Callable[..., Any],
        op_args: Sequence[Any] | None = None,
        op_kwargs: Mapping[str, Any] | None = None,
        templates_dict: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if not callable(python_callable):
            raise TypeError(
                f"python_callable of sensor {self.task_id!r} must be callable, "
                f"got {python_callable!r}."
            )
        self.python_callable = python_callable
        self.op_args = list(op_args or [])
        self.op_kwargs = dict(op_kwargs or {})
        self.templates_dict = dict(templates_dict) if templates_dict is not None else None

    def poke(self, context: Any) -> PokeReturnValue:
        name = getattr(self.python_callable, "__name__", repr(self.python_callable))
        log.info("Poking callable: %s", name)
        result = call_with_context(
            self.python_callable,
            self.op_args,
            self.op_kwargs,
            {**context, "templates_dict": self.templates_dict},
        )
        return result if isinstance(result, PokeReturnValue) else PokeReturnValue(bool(result))


class _DecoratedSensorOperator(PythonSensor):
    custom_operator_name: ClassVar[str] = "@task.sensor"


def sensor_task(python_callable: Callable[..., Any] | None = None, **kwargs: Any) -> Any:
    """``@task.sensor``: the function returns a bool or a PokeReturnValue; sensor options
    (``poke_interval``, ``timeout``, ``mode``, …) go to the decorator."""
    return make_task_decorator(_DecoratedSensorOperator, python_callable, **kwargs)
