"""Task groups: ``with TaskGroup(...)`` and ``@task_group``, plain or mapped."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, Generic, ParamSpec, TypeVar, overload

from tradewind.errors import DuplicateTaskIdError, MappingError, TaskOutsideDagError
from tradewind.sdk import _stack
from tradewind.sdk._callsite import user_callsite
from tradewind.sdk.dependencies import DependencyMixin
from tradewind.sdk.ids import validate_id
from tradewind.sdk.mapping import DictOfListsExpandInput, ExpandInput, ListOfDictsExpandInput
from tradewind.sdk.xcom_arg import XComArg, iter_xcom_refs

if TYPE_CHECKING:
    from tradewind.sdk.abstractoperator import AbstractOperator
    from tradewind.sdk.dag import DAG

_P = ParamSpec("_P")
_R = TypeVar("_R")


class TaskGroup(DependencyMixin):
    """A named group of tasks; ids inside it are prefixed with ``group_id.``."""

    def __init__(
        self,
        group_id: str | None,
        prefix_group_id: bool = True,
        parent_group: TaskGroup | None = None,
        dag: DAG | None = None,
        default_args: Mapping[str, Any] | None = None,
        tooltip: str = "",
        ui_color: str = "CornflowerBlue",
        ui_fgcolor: str = "#000",
        add_suffix_on_collision: bool = False,
        group_display_name: str | None = None,
    ) -> None:
        self.children: dict[str, AbstractOperator | TaskGroup] = {}
        self.default_args = dict(default_args or {})
        self.tooltip = tooltip
        self.ui_color = ui_color
        self.ui_fgcolor = ui_fgcolor
        self.prefix_group_id = prefix_group_id
        self.display_name = group_display_name
        self.upstream_group_ids: set[str] = set()
        self.downstream_group_ids: set[str] = set()
        if group_id is None:  # the root group of a DAG
            self.group_id: str | None = None
            self.parent_group: TaskGroup | None = None
            self.dag = dag
            return
        validate_id(group_id, "group_id")
        dag = dag or (parent_group.dag if parent_group else None) or _stack.current_dag()
        if dag is None:
            raise TaskOutsideDagError(
                f"Task group {group_id!r} was created outside any DAG ({user_callsite()}). "
                "Create it inside `with DAG(...)` or pass dag=... ."
            )
        self.dag = dag
        parent = parent_group or _stack.current_group(dag) or dag.task_group
        self.parent_group = parent
        full_id = parent.child_id(group_id)
        if add_suffix_on_collision:
            full_id = dag.unique_id(full_id)
        self.group_id = full_id
        dag.add_task_group(self)

    # -- ids -----------------------------------------------------------------------------

    def child_id(self, label: str) -> str:
        """The full id of a child called ``label``.

        As in Airflow, a group with ``prefix_group_id=False`` adds no prefix at all, not even
        the prefixes of the groups around it.
        """
        if self.group_id and self.prefix_group_id:
            return f"{self.group_id}.{label}"
        return label

    @property
    def label(self) -> str | None:
        if self.group_id and self.parent_group is not None and self.parent_group.group_id:
            prefix = self.parent_group.group_id + "."
            if self.group_id.startswith(prefix):
                return self.group_id[len(prefix) :]
        return self.group_id

    def add(self, child: AbstractOperator | TaskGroup) -> None:
        key = child.group_id if isinstance(child, TaskGroup) else child.task_id
        if key in self.children:
            raise DuplicateTaskIdError(f"{key!r} appears twice in task group {self.group_id!r}.")
        self.children[key] = child  # type: ignore[index]

    # -- membership ----------------------------------------------------------------------

    def iter_tasks(self) -> Iterator[AbstractOperator]:
        for child in self.children.values():
            if isinstance(child, TaskGroup):
                yield from child.iter_tasks()
            else:
                yield child

    def iter_groups(self) -> Iterator[TaskGroup]:
        for child in self.children.values():
            if isinstance(child, TaskGroup):
                yield child
                yield from child.iter_groups()

    def mapped_group(self) -> MappedTaskGroup | None:
        """The nearest mapped group around (or equal to) this one."""
        group: TaskGroup | None = self
        while group is not None:
            if isinstance(group, MappedTaskGroup):
                return group
            group = group.parent_group
        return None

    @property
    def roots(self) -> list[AbstractOperator]:
        tasks = list(self.iter_tasks())
        ids = {t.task_id for t in tasks}
        return [t for t in tasks if not (t.upstream_task_ids & ids)]

    @property
    def leaves(self) -> list[AbstractOperator]:
        """Tasks with no downstream task in the group, looking through teardowns (as Airflow).

        A teardown at the end of a group is not what comes "after" the group: in
        ``setup >> work >> teardown``, ``group >> next`` makes ``next`` wait for ``work``.
        """
        tasks = {t.task_id: t for t in self.iter_tasks()}

        def has_other_work_downstream(task: AbstractOperator, exclude: str) -> bool:
            return any(
                down != exclude and down in tasks and not tasks[down].is_teardown
                for down in task.downstream_task_ids
            )

        def first_work_before(task: AbstractOperator) -> Iterator[AbstractOperator]:
            for up_id in sorted(task.upstream_task_ids):
                upstream = tasks.get(up_id)
                if upstream is None:
                    continue
                if upstream.is_teardown:
                    yield from first_work_before(upstream)
                elif task.is_teardown and upstream.is_setup:
                    continue  # not through the teardown-to-setup edge
                elif not has_other_work_downstream(upstream, exclude=task.task_id):
                    yield upstream

        found: dict[str, AbstractOperator] = {}
        for task in tasks.values():
            if task.downstream_task_ids & tasks.keys():
                continue
            for leaf in [task] if not task.is_teardown else first_work_before(task):
                found.setdefault(leaf.task_id, leaf)
        # A group of setups and teardowns only: its last tasks stand for it.
        return list(found.values()) or [
            t for t in tasks.values() if not (t.downstream_task_ids & tasks.keys())
        ]

    def set_upstream(self, other: Any, edge_modifier: Any = None) -> None:
        for item in other if isinstance(other, list | tuple) else [other]:
            if isinstance(item, TaskGroup) and item.group_id:
                self.upstream_group_ids.add(item.group_id)
        super().set_upstream(other, edge_modifier)

    def set_downstream(self, other: Any, edge_modifier: Any = None) -> None:
        for item in other if isinstance(other, list | tuple) else [other]:
            if isinstance(item, TaskGroup) and item.group_id:
                self.downstream_group_ids.add(item.group_id)
        super().set_downstream(other, edge_modifier)

    # -- context manager -----------------------------------------------------------------

    def __enter__(self) -> TaskGroup:
        _stack.push_group(self)
        return self

    def __exit__(self, *exc: object) -> None:
        _stack.pop_group()

    def __repr__(self) -> str:
        return f"<TaskGroup: {self.group_id}>"


class MappedTaskGroup(TaskGroup):
    """A task group whose every task runs once per item of the group's expanded arguments."""

    def __init__(self, group_id: str, expand_input: ExpandInput, **kwargs: Any) -> None:
        super().__init__(group_id, **kwargs)
        if self.parent_group is not None and self.parent_group.mapped_group() is not None:
            raise MappingError(
                f"Task group {group_id!r} is mapped inside another mapped group; Tradewind "
                "maps one level of task groups."
            )
        self.expand_input = expand_input


class MappedArgument(XComArg):
    """One argument of a mapped task group; each instance sees its own item."""

    def __init__(self, group: MappedTaskGroup, name: str) -> None:
        self.group = group
        self.name = name

    def iter_references(self) -> Iterator[tuple[AbstractOperator, str]]:
        return iter_xcom_refs(self.group.expand_input.references())

    def resolve(self, context: Any) -> Any:
        values = self.group.expand_input.values_at(context["ti"].map_index, context)
        return values[self.name]

    def length_spec(self) -> dict[str, Any]:
        raise MappingError(
            f"Cannot expand over {self.name!r} of mapped task group {self.group.group_id!r}: "
            "Tradewind maps a task once."
        )


class TaskGroupFunction(Generic[_P, _R]):
    """A function decorated with ``@task_group``; calling it builds the group."""

    def __init__(self, function: Callable[_P, _R], group_kwargs: dict[str, Any]) -> None:
        self.function = function
        self.group_kwargs = group_kwargs
        self._partial: dict[str, Any] = {}
        functools.update_wrapper(self, function)

    def _group_id(self) -> str:
        return str(self.group_kwargs.get("group_id") or self.function.__name__)

    def _options(self) -> dict[str, Any]:
        options = {k: v for k, v in self.group_kwargs.items() if k != "group_id"}
        options.setdefault("tooltip", inspect.getdoc(self.function) or "")
        options.setdefault("add_suffix_on_collision", True)
        return options

    def __call__(self, *args: _P.args, **kwargs: _P.kwargs) -> Any:
        group = TaskGroup(self._group_id(), **self._options())
        with group:
            result = self.function(*args, **kwargs)
        # A returned task result binds dependencies to it; otherwise to the whole group.
        return group if result is None else result

    def partial(self, **kwargs: Any) -> TaskGroupFunction[_P, _R]:
        clone: TaskGroupFunction[_P, _R] = TaskGroupFunction(self.function, self.group_kwargs)
        clone._partial = {**self._partial, **kwargs}
        return clone

    def expand(self, **kwargs: Any) -> Any:
        if not kwargs:
            raise MappingError("expand() needs at least one argument to map over.")
        return self._build_mapped(DictOfListsExpandInput(kwargs), list(kwargs))

    def expand_kwargs(self, value: Any) -> Any:
        names = [n for n in inspect.signature(self.function).parameters if n not in self._partial]
        return self._build_mapped(ListOfDictsExpandInput(value), names)

    def _build_mapped(self, expand_input: ExpandInput, names: list[str]) -> Any:
        group = MappedTaskGroup(self._group_id(), expand_input, **self._options())
        arguments = {name: MappedArgument(group, name) for name in names}
        with group:
            build: Callable[..., Any] = self.function
            result = build(**self._partial, **arguments)
        # As for a plain call (and in Airflow): a returned task result binds dependencies and
        # passes every instance's value downstream; otherwise the group stands for itself.
        return group if result is None else result


@overload
def task_group(python_callable: Callable[_P, _R]) -> TaskGroupFunction[_P, _R]: ...
@overload
def task_group(
    python_callable: str | None = None, *, group_id: str | None = None, **kwargs: Any
) -> Callable[[Callable[_P, _R]], TaskGroupFunction[_P, _R]]: ...
def task_group(python_callable: Any = None, group_id: str | None = None, **kwargs: Any) -> Any:
    """Turn a function that creates tasks into a reusable task group.

    ``@task_group`` or ``@task_group(group_id=..., tooltip=..., default_args=...)``.
    """
    if isinstance(python_callable, str):
        group_id, python_callable = python_callable, None
    if group_id is not None:
        kwargs["group_id"] = group_id
    if python_callable is not None:
        return TaskGroupFunction(python_callable, kwargs)
    return lambda function: TaskGroupFunction(function, kwargs)
