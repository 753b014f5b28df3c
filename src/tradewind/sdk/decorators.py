"""TaskFlow: ``@task`` and its variants turn plain functions into tasks.

Calling a decorated function inside a DAG creates a task and returns its result as an
:class:`~tradewind.sdk.xcom_arg.XComArg`, which wires the dependency when passed on.
Variants (``@task.bash``, ``@task.branch``…) are looked up by name in :data:`TASK_VARIANTS`,
so operator packages can provide them without the SDK importing those packages.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import typing
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar, Generic, ParamSpec, TypeVar

from tradewind.errors import MappingError, TaskOutsideDagError
from tradewind.sdk import _stack
from tradewind.sdk._callsite import user_callsite
from tradewind.sdk.baseoperator import BaseOperator
from tradewind.sdk.mapping import DictOfListsExpandInput, ListOfDictsExpandInput, MappedOperator
from tradewind.sdk.python_callable import call_with_context
from tradewind.sdk.xcom_arg import PlainXComArg, XComArg

_P = ParamSpec("_P")
_R = TypeVar("_R")

#: ``@task.<name>`` → "module:factory". A factory has the signature of :func:`task`.
TASK_VARIANTS: dict[str, str] = {
    "python": "tradewind.sdk.decorators:python_task",
    "branch": "tradewind.operators.python:branch_task",
    "short_circuit": "tradewind.operators.python:short_circuit_task",
    "bash": "tradewind.operators.bash:bash_task",
    "sensor": "tradewind.sensors.python:sensor_task",
}

# Context keys are passed by the runner, so a TaskFlow function may leave them out of calls.
_CONTEXT_PARAMETER_NAMES = frozenset(
    {
        "ti",
        "task_instance",
        "task",
        "dag",
        "dag_run",
        "params",
        "ds",
        "ds_nodash",
        "ts",
        "ts_nodash",
        "logical_date",
        "execution_date",
        "run_id",
        "data_interval_start",
        "data_interval_end",
        "macros",
        "var",
        "conn",
        "conf",
        "templates_dict",
        "map_index",
        "outlets",
        "outlet_events",
        "inlets",
        "test_mode",
        "triggering_asset_events",
        "triggering_dataset_events",
        "prev_ds",
        "next_ds",
    }
)


class DecoratedPythonOperator(BaseOperator):
    """Runs a TaskFlow function with its (resolved) arguments."""

    template_fields: Sequence[str] = ("templates_dict", "op_args", "op_kwargs")
    custom_operator_name: ClassVar[str] = "@task"
    ui_color = "#ffefeb"

    def __init__(
        self,
        *,
        python_callable: Callable[..., Any],
        op_args: Sequence[Any] | None = None,
        op_kwargs: Mapping[str, Any] | None = None,
        templates_dict: Mapping[str, Any] | None = None,
        show_return_value_in_logs: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if not callable(python_callable):
            raise TypeError(f"python_callable of task {self.task_id!r} must be callable.")
        self.python_callable = python_callable
        self.op_args = list(op_args or [])
        self.op_kwargs = dict(op_kwargs or {})
        self.templates_dict = dict(templates_dict) if templates_dict is not None else None
        self.show_return_value_in_logs = show_return_value_in_logs

    def execute(self, context: Any) -> Any:
        return call_with_context(
            self.python_callable,
            self.op_args,
            self.op_kwargs,
            {**context, "templates_dict": self.templates_dict},
        )


def _infer_multiple_outputs(function: Callable[..., Any]) -> bool:
    try:
        hints = typing.get_type_hints(function)
    except Exception:  # unresolvable annotations: Airflow also falls back to False
        return False
    returned = hints.get("return")
    origin = typing.get_origin(returned) or returned
    return origin in (dict, Mapping) or typing.is_typeddict(returned)


class TaskDecorator(Generic[_P, _R]):
    """A function turned into a task factory by ``@task`` (or a variant)."""

    def __init__(
        self,
        function: Callable[_P, _R],
        operator_class: type[BaseOperator],
        kwargs: dict[str, Any],
        *,
        is_setup: bool = False,
        is_teardown: bool = False,
        on_failure_fail_dagrun: bool = False,
    ) -> None:
        self.function = function
        self.operator_class = operator_class
        self.kwargs = kwargs
        self.is_setup = is_setup
        self.is_teardown = is_teardown
        self.on_failure_fail_dagrun = on_failure_fail_dagrun
        functools.update_wrapper(self, function)

    # -- building tasks --------------------------------------------------------------------

    def _options(self) -> dict[str, Any]:
        options = dict(self.kwargs)
        if options.get("multiple_outputs") is None:
            options["multiple_outputs"] = _infer_multiple_outputs(self.function)
        doc_options = ("doc", "doc_md", "doc_json", "doc_yaml", "doc_rst")
        if self.function.__doc__ and not any(options.get(name) for name in doc_options):
            options["doc_md"] = self.function.__doc__  # as Airflow: the docstring documents it
        dag = options.get("dag") or _stack.current_dag()
        if dag is None:
            raise TaskOutsideDagError(
                f"Task {self.function.__name__!r} was called outside any DAG ({user_callsite()}). "
                "Call TaskFlow functions inside `with DAG(...)` or a @dag function."
            )
        group = options.get("task_group") or _stack.current_group(dag) or dag.task_group
        label = options.get("task_id") or self.function.__name__
        full_id = dag.unique_id(group.child_id(label))
        prefix = group.child_id("")
        options["task_id"] = full_id[len(prefix) :] if prefix else full_id
        return options

    def _check_arguments(self, args: Sequence[Any], kwargs: Mapping[str, Any]) -> None:
        signature = inspect.signature(self.function)
        bound = signature.bind_partial(*args, **kwargs)
        missing = [
            name
            for name, p in signature.parameters.items()
            if name not in bound.arguments
            and p.default is p.empty
            and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
            and name not in _CONTEXT_PARAMETER_NAMES
        ]
        if missing:
            raise TypeError(
                f"{self.function.__name__}() is missing required arguments: {', '.join(missing)}."
            )

    def _mark(self, operator: Any) -> None:
        if self.is_setup:
            operator.as_setup()
        if self.is_teardown:
            operator.as_teardown(on_failure_fail_dagrun=self.on_failure_fail_dagrun)

    def __call__(self, *args: _P.args, **kwargs: _P.kwargs) -> XComArg:
        self._check_arguments(args, kwargs)
        operator = self.operator_class(
            python_callable=self.function, op_args=args, op_kwargs=kwargs, **self._options()
        )
        self._mark(operator)
        return PlainXComArg(operator)

    def override(self, **kwargs: Any) -> TaskDecorator[_P, _R]:
        """The same task with other options: ``my_task.override(task_id="x", retries=3)()``."""
        return TaskDecorator(
            self.function,
            self.operator_class,
            {**self.kwargs, **kwargs},
            is_setup=self.is_setup,
            is_teardown=self.is_teardown,
            on_failure_fail_dagrun=self.on_failure_fail_dagrun,
        )

    # -- mapping -----------------------------------------------------------------------------

    def partial(self, **kwargs: Any) -> _PartialTask:
        return _PartialTask(self, kwargs)

    def expand(self, **mapped: Any) -> XComArg:
        return self.partial().expand(**mapped)

    def expand_kwargs(self, value: Any) -> XComArg:
        return self.partial().expand_kwargs(value)


class _PartialTask:
    def __init__(self, decorator: TaskDecorator[Any, Any], fixed: dict[str, Any]) -> None:
        self.decorator = decorator
        self.fixed = fixed

    def expand(self, **mapped: Any) -> XComArg:
        if not mapped:
            raise MappingError("expand() needs at least one argument to map over.")
        parameters = inspect.signature(self.decorator.function).parameters
        unknown = set(mapped) - set(parameters)
        if unknown and not any(p.kind is p.VAR_KEYWORD for p in parameters.values()):
            raise MappingError(
                f"{self.decorator.function.__name__}() has no argument "
                f"{', '.join(sorted(unknown))} to map over."
            )
        both = set(mapped) & set(self.fixed)
        if both:
            raise MappingError(
                f"{', '.join(sorted(both))} given to both partial() and expand(); give each "
                "argument to one of them."
            )
        reserved = set(mapped) & _CONTEXT_PARAMETER_NAMES
        if reserved:
            raise MappingError(
                f"Cannot map over {', '.join(sorted(reserved))}: the name is a task context "
                "variable, which the task receives from its run. Rename the argument."
            )
        return self._build(DictOfListsExpandInput(mapped))

    def expand_kwargs(self, value: Any) -> XComArg:
        return self._build(ListOfDictsExpandInput(value))

    def _build(self, expand_input: DictOfListsExpandInput | ListOfDictsExpandInput) -> XComArg:
        options = self.decorator._options()
        dag = options.pop("dag", None) or _stack.current_dag()
        group = options.pop("task_group", None)
        from tradewind.sdk.baseoperator import apply_default_args

        operator_class = self.decorator.operator_class
        partial_kwargs = apply_default_args(
            operator_class,
            {
                **options,
                "dag": dag,
                "python_callable": self.decorator.function,
                "op_args": [],
                "op_kwargs": dict(self.fixed),
            },
        )
        partial_kwargs.pop("dag", None)
        operator = MappedOperator(
            operator_class=operator_class,
            partial_kwargs=partial_kwargs,
            expand_input=expand_input,
            dag=dag,
            task_group=group,
            mapped_into="op_kwargs",
        )
        self.decorator._mark(operator)
        return PlainXComArg(operator)


def make_task_decorator(
    operator_class: type[BaseOperator],
    python_callable: Callable[..., Any] | None = None,
    **kwargs: Any,
) -> Any:
    """Build ``@variant`` / ``@variant(...)`` for ``operator_class`` (which takes python_callable)."""
    if python_callable is not None:
        return TaskDecorator(python_callable, operator_class, kwargs)
    return lambda function: TaskDecorator(function, operator_class, kwargs)


def python_task(python_callable: Callable[..., Any] | None = None, **kwargs: Any) -> Any:
    return make_task_decorator(DecoratedPythonOperator, python_callable, **kwargs)


class _TaskNamespace:
    """``task``: ``@task``, ``@task(...)`` and ``@task.<variant>``."""

    def __call__(self, python_callable: Callable[..., Any] | None = None, **kwargs: Any) -> Any:
        return python_task(python_callable, **kwargs)

    def __getattr__(self, name: str) -> Any:
        target = TASK_VARIANTS.get(name)
        if target is None:
            known = ", ".join(f"@task.{n}" for n in sorted(TASK_VARIANTS))
            raise AttributeError(f"Tradewind has no @task.{name}; available: {known}.")
        module_name, attribute = target.split(":")
        return getattr(importlib.import_module(module_name), attribute)


task = _TaskNamespace()


def setup(python_callable: Callable[..., Any] | None = None, **kwargs: Any) -> Any:
    """``@setup``: a TaskFlow task marked as a setup task."""

    def build(function: Callable[..., Any]) -> TaskDecorator[Any, Any]:
        return TaskDecorator(function, DecoratedPythonOperator, kwargs, is_setup=True)

    return build(python_callable) if python_callable is not None else build


def teardown(
    python_callable: Callable[..., Any] | None = None,
    *,
    on_failure_fail_dagrun: bool = False,
    **kwargs: Any,
) -> Any:
    """``@teardown``: a TaskFlow task marked as a teardown task."""

    def build(function: Callable[..., Any]) -> TaskDecorator[Any, Any]:
        return TaskDecorator(
            function,
            DecoratedPythonOperator,
            kwargs,
            is_teardown=True,
            on_failure_fail_dagrun=on_failure_fail_dagrun,
        )

    return build(python_callable) if python_callable is not None else build
