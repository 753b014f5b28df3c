"""Wiring tasks together: ``>>``, ``<<``, ``chain``, ``cross_downstream`` and edge labels.

Anything that can stand on either side of ``>>`` is a :class:`DependencyMixin`: operators,
mapped operators, XComArgs (standing for the tasks that produce them), task groups and
edge labels. Each says which operators it starts with (``roots``) and ends with (``leaves``).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, TypeAlias, Union

from tradewind.errors import CrossDagDependencyError, TaskOutsideDagError

if TYPE_CHECKING:
    from tradewind.sdk.abstractoperator import AbstractOperator

DependencyTarget: TypeAlias = Union["DependencyMixin", Sequence["DependencyMixin"]]


class DependencyMixin:
    """Something that can be put upstream or downstream of something else."""

    @property
    def roots(self) -> list[AbstractOperator]:
        """Operators that receive this object's upstream dependencies."""
        raise NotImplementedError

    @property
    def leaves(self) -> list[AbstractOperator]:
        """Operators that receive this object's downstream dependencies."""
        raise NotImplementedError

    def set_upstream(
        self, other: DependencyTarget, edge_modifier: EdgeModifier | None = None
    ) -> None:
        for item in _as_list(other):
            if isinstance(item, EdgeModifier):
                item.add_downstream_target(self)
                continue
            connect(item.leaves, self.roots, edge_modifier)

    def set_downstream(
        self, other: DependencyTarget, edge_modifier: EdgeModifier | None = None
    ) -> None:
        for item in _as_list(other):
            if isinstance(item, EdgeModifier):
                item.add_upstream_source(self)
                continue
            connect(self.leaves, item.roots, edge_modifier)

    def __rshift__(self, other: Any) -> Any:
        self.set_downstream(other)
        return other

    def __lshift__(self, other: Any) -> Any:
        self.set_upstream(other)
        return other

    def __rrshift__(self, other: Any) -> Any:
        # [a, b] >> self
        self.set_upstream(other)
        return self

    def __rlshift__(self, other: Any) -> Any:
        # [a, b] << self
        self.set_downstream(other)
        return self


class EdgeModifier(DependencyMixin):
    """Adds information (a label) to the edges that pass through it: ``a >> Label("x") >> b``."""

    def __init__(self, label: str | None = None) -> None:
        self.label = label
        self._sources: list[DependencyMixin] = []
        self._targets: list[DependencyMixin] = []

    @property
    def roots(self) -> list[AbstractOperator]:
        return [op for source in self._sources for op in source.roots]

    @property
    def leaves(self) -> list[AbstractOperator]:
        return [op for source in self._sources for op in source.leaves]

    def add_upstream_source(self, source: DependencyMixin) -> None:
        self._sources.append(source)
        for target in self._targets:
            connect(source.leaves, target.roots, self)

    def add_downstream_target(self, target: DependencyMixin) -> None:
        self._targets.append(target)
        for source in self._sources:
            connect(source.leaves, target.roots, self)

    def set_upstream(
        self, other: DependencyTarget, edge_modifier: EdgeModifier | None = None
    ) -> None:
        for item in _as_list(other):
            self.add_upstream_source(item)

    def set_downstream(
        self, other: DependencyTarget, edge_modifier: EdgeModifier | None = None
    ) -> None:
        for item in _as_list(other):
            self.add_downstream_target(item)

    def edge_info(self) -> dict[str, Any]:
        return {"label": self.label} if self.label is not None else {}


def Label(label: str) -> EdgeModifier:
    """An edge label, shown in graph views: ``branch >> Label("too big") >> alert``."""
    return EdgeModifier(label)


def connect(
    upstream: Iterable[AbstractOperator],
    downstream: Iterable[AbstractOperator],
    edge_modifier: EdgeModifier | None = None,
) -> None:
    """Make every operator in ``upstream`` a direct upstream of every one in ``downstream``."""
    downstream = list(downstream)
    for up in upstream:
        for down in downstream:
            dag = _common_dag(up, down)
            up.downstream_task_ids.add(down.task_id)
            down.upstream_task_ids.add(up.task_id)
            if edge_modifier is not None:
                info = edge_modifier.edge_info()
                if info:
                    dag.set_edge_info(up.task_id, down.task_id, info)


def _common_dag(up: AbstractOperator, down: AbstractOperator) -> Any:
    if up.dag is None and down.dag is None:
        raise TaskOutsideDagError(
            f"Cannot set a dependency between {up.task_id!r} and {down.task_id!r}: neither "
            "belongs to a DAG. Create tasks inside `with DAG(...)` or pass dag=... ."
        )
    if up.dag is None:
        down.dag.add_task(up)  # type: ignore[union-attr]
    elif down.dag is None:
        up.dag.add_task(down)
    elif up.dag is not down.dag:
        raise CrossDagDependencyError(
            f"Task {up.task_id!r} of DAG {up.dag.dag_id!r} cannot be upstream of task "
            f"{down.task_id!r} of DAG {down.dag.dag_id!r}: dependencies join tasks of one DAG. "
            "To wait for another DAG, use an asset schedule or TriggerDagRunOperator."
        )
    return up.dag


def _as_list(other: DependencyTarget) -> list[DependencyMixin]:
    if isinstance(other, DependencyMixin):
        return [other]
    if isinstance(other, list | tuple | set):
        items = list(other)
        for item in items:
            if not isinstance(item, DependencyMixin):
                raise TypeError(
                    f"Cannot set a dependency on {item!r}: expected a task, a task group or "
                    "an XComArg."
                )
        return items
    raise TypeError(
        f"Cannot set a dependency on {other!r}: expected a task, a list of tasks, a task "
        "group or an XComArg."
    )


def chain(*elements: DependencyTarget) -> None:
    """Chain tasks (or equal-length lists of tasks) one after another.

    ``chain(a, [b, c], [d, e], f)`` gives ``a >> [b, c]``, ``b >> d``, ``c >> e``,
    ``[d, e] >> f``: neighbouring lists are joined pairwise, as in Airflow.
    """
    for up, down in itertools.pairwise(elements):
        if isinstance(up, DependencyMixin) or isinstance(down, DependencyMixin):
            if isinstance(up, DependencyMixin):
                up.set_downstream(down)
            else:
                down.set_upstream(up)  # type: ignore[union-attr]
            continue
        up_list, down_list = list(up), list(down)
        if len(up_list) != len(down_list):
            raise ValueError(
                f"chain() joins neighbouring lists pairwise, so they must have equal lengths; "
                f"got {len(up_list)} and {len(down_list)}. Use cross_downstream() to join "
                "every task of one list to every task of the other."
            )
        for up_item, down_item in zip(up_list, down_list, strict=True):
            up_item.set_downstream(down_item)


def cross_downstream(from_tasks: Sequence[DependencyMixin], to_tasks: DependencyTarget) -> None:
    """Make every task in ``from_tasks`` upstream of every task in ``to_tasks``."""
    for task in from_tasks:
        task.set_downstream(to_tasks)
