"""Dynamic task mapping: ``Operator.partial(...).expand(...)`` and ``.expand_kwargs(...)``.

A mapped task stands for N task instances, N known only when the run reaches it. The
scheduler computes N from :meth:`ExpandInput.length_spec` (literal lengths and the lengths of
upstream results); the runner builds the concrete operator for one map index with
:meth:`MappedOperator.unmap`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from tradewind.errors import MappingError
from tradewind.sdk import _stack
from tradewind.sdk.abstractoperator import AbstractOperator
from tradewind.sdk.ids import validate_id
from tradewind.sdk.xcom_arg import XComArg, iter_xcom_refs, resolve_xcom_args

if TYPE_CHECKING:
    from tradewind.sdk.baseoperator import BaseOperator
    from tradewind.sdk.dag import DAG
    from tradewind.sdk.taskgroup import TaskGroup


def _check_mappable(name: str, value: Any) -> None:
    if not isinstance(value, list | tuple | dict | XComArg):
        raise MappingError(
            f"Cannot map over {name}={value!r}: expand() takes lists, dicts or task results "
            "(XComArgs). To pass one value to every instance, use partial()."
        )
    if isinstance(value, XComArg):
        value.length_spec()  # raises now, where expand() is called, for unmappable values


def _literal_length(value: Any) -> dict[str, Any]:
    if isinstance(value, XComArg):
        return value.length_spec()
    return {"literal": len(value)}


def _items(value: Any) -> Sequence[Any]:
    if isinstance(value, dict):
        return list(value.items())
    if isinstance(value, list | tuple) or hasattr(value, "__getitem__"):
        return value  # type: ignore[no-any-return]
    raise MappingError(f"Cannot map over {value!r}: it is not a list or a dict.")


class DictOfListsExpandInput:
    """``expand(a=[...], b=[...])``: the cross product of every mapped argument."""

    kind = "dict"

    def __init__(self, value: Mapping[str, Any]) -> None:
        for name, item in value.items():
            _check_mappable(name, item)
        self.value = dict(value)

    def length_spec(self) -> dict[str, Any]:
        return {"product": [_literal_length(item) for item in self.value.values()]}

    def references(self) -> Any:
        return self.value

    def values_at(self, map_index: int, context: Any) -> dict[str, Any]:
        resolved = {name: _items(resolve_xcom_args(v, context)) for name, v in self.value.items()}
        # The last argument varies fastest, as in itertools.product.
        result: dict[str, Any] = {}
        index = map_index
        for name in reversed(list(resolved)):
            items = resolved[name]
            result[name] = items[index % len(items)]
            index //= len(items)
        return {name: result[name] for name in resolved}


class ListOfDictsExpandInput:
    """``expand_kwargs([...])``: one dict of arguments per mapped instance."""

    kind = "list"

    def __init__(self, value: Any) -> None:
        if not isinstance(value, list | tuple | XComArg):
            raise MappingError(
                f"expand_kwargs() takes a list of dicts or a task result, got {value!r}."
            )
        for item in value if isinstance(value, list | tuple) else ():
            if not isinstance(item, dict | XComArg):
                raise MappingError(f"expand_kwargs() items must be dicts, got {item!r}.")
        self.value = value

    def length_spec(self) -> dict[str, Any]:
        return _literal_length(self.value)

    def references(self) -> Any:
        return self.value

    def values_at(self, map_index: int, context: Any) -> dict[str, Any]:
        items = resolve_xcom_args(self.value, context)
        kwargs = _items(items)[map_index]
        kwargs = resolve_xcom_args(kwargs, context)
        if not isinstance(kwargs, Mapping):
            raise MappingError(
                f"expand_kwargs() needs a dict for each instance; item {map_index} is {kwargs!r}."
            )
        return dict(kwargs)


ExpandInput = DictOfListsExpandInput | ListOfDictsExpandInput


class OperatorPartial:
    """The result of ``Operator.partial(...)``: arguments shared by every mapped instance."""

    def __init__(self, operator_class: type[BaseOperator], kwargs: dict[str, Any]) -> None:
        from tradewind.sdk.baseoperator import apply_default_args

        if "task_id" not in kwargs:
            raise MappingError(f"{operator_class.__name__}.partial() needs a task_id.")
        self.operator_class = operator_class
        self.dag: DAG | None = kwargs.pop("dag", None) or _stack.current_dag()
        self.task_group: TaskGroup | None = kwargs.pop("task_group", None)
        self.kwargs = apply_default_args(operator_class, {**kwargs, "dag": self.dag})
        self.kwargs.pop("dag", None)

    def expand(self, **mapped_kwargs: Any) -> MappedOperator:
        if not mapped_kwargs:
            raise MappingError("expand() needs at least one argument to map over.")
        self._check_names(mapped_kwargs)
        return self._build(DictOfListsExpandInput(mapped_kwargs))

    def expand_kwargs(self, kwargs: Any) -> MappedOperator:
        return self._build(ListOfDictsExpandInput(kwargs))

    def _check_names(self, mapped: Mapping[str, Any]) -> None:
        from tradewind.sdk.baseoperator import _accepted_args

        both = set(mapped) & set(self.kwargs)
        if both:
            raise MappingError(
                f"{', '.join(sorted(both))} given to both partial() and expand(); give each "
                "argument to one of them."
            )
        unknown = set(mapped) - _accepted_args(self.operator_class)
        if unknown:
            raise MappingError(
                f"{self.operator_class.__name__} has no argument "
                f"{', '.join(sorted(unknown))} to map over."
            )

    def _build(self, expand_input: ExpandInput) -> MappedOperator:
        return MappedOperator(
            operator_class=self.operator_class,
            partial_kwargs=self.kwargs,
            expand_input=expand_input,
            dag=self.dag,
            task_group=self.task_group,
        )


class MappedOperator(AbstractOperator):
    """A task that becomes one instance per item of its expanded arguments."""

    is_mapped = True

    def __init__(
        self,
        *,
        operator_class: type[BaseOperator],
        partial_kwargs: dict[str, Any],
        expand_input: ExpandInput,
        dag: DAG | None,
        task_group: TaskGroup | None,
        mapped_into: str | None = None,
        operator_factory: Callable[..., BaseOperator] | None = None,
    ) -> None:
        task_id = validate_id(partial_kwargs.pop("task_id"), "task_id")
        self._init_identity(task_id)
        self.operator_class = operator_class
        self.partial_kwargs = partial_kwargs
        self.expand_input = expand_input
        #: For TaskFlow tasks the mapped values are function arguments inside ``op_kwargs``.
        self.mapped_into = mapped_into
        self._operator_factory = operator_factory or operator_class
        self.template_fields = operator_class.template_fields
        self.template_ext = operator_class.template_ext
        self.ui_color = operator_class.ui_color
        self._apply_task_options(partial_kwargs)
        self.params = dict(partial_kwargs.get("params") or {})
        dag = dag or (task_group.dag if task_group is not None else None)
        if dag is None:
            from tradewind.errors import TaskOutsideDagError

            raise TaskOutsideDagError(
                f"Mapped task {task_id!r} was created outside any DAG; create it inside "
                "`with DAG(...)` or pass dag=... to partial()."
            )
        group = task_group or _stack.current_group(dag) or dag.task_group
        if group.mapped_group() is not None:
            raise MappingError(
                f"Task {task_id!r} is expanded inside the mapped task group "
                f"{group.mapped_group().group_id!r}; Tradewind does not map a task twice. "  # type: ignore[union-attr]
                "Expand the group only, or move the task out of it."
            )
        self.task_id = group.child_id(task_id)
        self.task_group = group
        dag.add_task(self)
        for operator, _key in iter_xcom_refs(
            [expand_input.references(), [partial_kwargs.get(f) for f in self.template_fields]]
        ):
            self.set_upstream(operator)

    def unmap(self, mapped_values: Mapping[str, Any]) -> BaseOperator:
        """The concrete operator of one mapped instance."""
        kwargs = dict(self.partial_kwargs)
        if self.mapped_into is not None:
            kwargs[self.mapped_into] = {**(kwargs.get(self.mapped_into) or {}), **mapped_values}
        else:
            kwargs.update(mapped_values)
        kwargs["task_id"] = self.task_id
        with _stack.detached():
            operator = self._operator_factory(**kwargs)
        operator._dag = self._dag
        operator.task_group = self.task_group
        operator.upstream_task_ids = self.upstream_task_ids
        operator.downstream_task_ids = self.downstream_task_ids
        operator.is_setup = self.is_setup
        operator.is_teardown = self.is_teardown
        operator.trigger_rule = self.trigger_rule
        operator.on_failure_fail_dagrun = self.on_failure_fail_dagrun
        return operator
