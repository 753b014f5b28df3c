"""Tasks that call a Python function: plain, branching and short-circuiting.

The function receives ``op_args`` and ``op_kwargs``, plus the context keys its signature
names (``def f(ds, ti)``), or the whole context if it takes ``**kwargs``. ``templates_dict``
is rendered before the task runs and reaches the function as the ``templates_dict`` key.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar

from tradewind.operators.branch import BaseBranchOperator, BranchChoice
from tradewind.sdk.abstractoperator import AbstractOperator
from tradewind.sdk.baseoperator import BaseOperator
from tradewind.sdk.decorators import make_task_decorator
from tradewind.sdk.python_callable import call_with_context

__all__ = [
    "BranchPythonOperator",
    "PythonOperator",
    "ShortCircuitOperator",
    "branch_task",
    "short_circuit_ids_to_skip",
    "short_circuit_task",
]

log = logging.getLogger(__name__)


class PythonOperator(BaseOperator):
    """Call ``python_callable(*op_args, **op_kwargs)``; its return value is the task's XCom."""

    template_fields: Sequence[str] = ("templates_dict", "op_args", "op_kwargs")
    template_fields_renderers = {"templates_dict": "json", "op_args": "py", "op_kwargs": "py"}
    # Copying a task must not copy the function (closures may hold unpicklable state).
    shallow_copy_attrs = ("python_callable",)
    ui_color = "#ffefeb"

    def __init__(
        self,
        *,
        python_callable: Callable[..., Any],
        op_args: Sequence[Any] | None = None,
        op_kwargs: Mapping[str, Any] | None = None,
        templates_dict: Mapping[str, Any] | None = None,
        templates_exts: Sequence[str] | None = None,
        show_return_value_in_logs: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if not callable(python_callable):
            raise TypeError(
                f"python_callable of task {self.task_id!r} must be callable, "
                f"got {python_callable!r}."
            )
        self.python_callable = python_callable
        self.op_args = list(op_args or [])
        self.op_kwargs = dict(op_kwargs or {})
        self.templates_dict = dict(templates_dict) if templates_dict is not None else None
        if templates_exts:
            self.template_ext = list(templates_exts)
        self.show_return_value_in_logs = show_return_value_in_logs

    def execute(self, context: Any) -> Any:
        result = self.execute_callable(context)
        if self.show_return_value_in_logs:
            log.info("Done. Returned value was: %s", result)
        else:
            log.info("Done. Returned value not shown")
        return result

    def execute_callable(self, context: Any) -> Any:
        """Call the function with its arguments and the context keys it asks for."""
        return call_with_context(
            self.python_callable,
            self.op_args,
            self.op_kwargs,
            {**context, "templates_dict": self.templates_dict},
        )


class BranchPythonOperator(PythonOperator, BaseBranchOperator):
    """The function returns the task ids (or task group ids) to follow; the rest are skipped.

    It may return one id, a list of ids, or ``None``/``[]`` to skip every direct downstream
    task.
    """

    def choose_branch(self, context: Any) -> BranchChoice:
        chosen: BranchChoice = PythonOperator.execute(self, context)
        return chosen

    def execute(self, context: Any) -> Any:
        return self.do_branch(context, self.choose_branch(context))


def short_circuit_ids_to_skip(
    task: AbstractOperator, *, ignore_downstream_trigger_rules: bool
) -> list[str]:
    """Ids of the tasks a falsy short-circuit condition skips; teardowns are never skipped.

    With ``ignore_downstream_trigger_rules`` every task downstream of ``task`` is skipped;
    without it only the direct downstream tasks are, and the trigger rules of the tasks after
    them decide whether those run.
    """
    dag = task.dag
    if dag is None:
        return []
    if ignore_downstream_trigger_rules:
        candidates = task.get_flat_relative_ids()
    else:
        candidates = set(task.downstream_task_ids)
    return sorted(tid for tid in candidates if not dag.get_task(tid).is_teardown)


class ShortCircuitOperator(PythonOperator):
    """Continue when the function returns a truthy value; otherwise skip downstream tasks.

    ``ignore_downstream_trigger_rules`` (default True) skips everything downstream. When False
    only the direct downstream tasks are skipped, so a later task with a trigger rule such as
    ``all_done`` still runs. Teardown tasks are never skipped.
    """

    def __init__(self, *, ignore_downstream_trigger_rules: bool = True, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.ignore_downstream_trigger_rules = ignore_downstream_trigger_rules

    def execute(self, context: Any) -> Any:
        condition = super().execute(context)
        log.info("Condition result is %s", condition)
        if condition:
            log.info("Proceeding with downstream tasks.")
            return condition
        to_skip = short_circuit_ids_to_skip(
            self, ignore_downstream_trigger_rules=self.ignore_downstream_trigger_rules
        )
        if to_skip:
            log.info("Skipping downstream tasks: %s", ", ".join(to_skip))
            context["ti"].skip_tasks(to_skip)
        return condition


class _BranchDecoratedOperator(BranchPythonOperator):
    custom_operator_name: ClassVar[str] = "@task.branch"


class _ShortCircuitDecoratedOperator(ShortCircuitOperator):
    custom_operator_name: ClassVar[str] = "@task.short_circuit"


def branch_task(python_callable: Callable[..., Any] | None = None, **kwargs: Any) -> Any:
    """``@task.branch``: the function returns the task ids to follow."""
    return make_task_decorator(_BranchDecoratedOperator, python_callable, **kwargs)


def short_circuit_task(python_callable: Callable[..., Any] | None = None, **kwargs: Any) -> Any:
    """``@task.short_circuit``: a falsy return value skips the downstream tasks."""
    return make_task_decorator(_ShortCircuitDecoratedOperator, python_callable, **kwargs)
