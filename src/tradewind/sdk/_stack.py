"""The DAG and task group that ``with`` blocks (and ``@dag``/``@task_group`` calls) make current.

Kept per thread so that DAG files parsed in threads do not see each other's DAGs.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tradewind.sdk.dag import DAG
    from tradewind.sdk.taskgroup import TaskGroup


@dataclass
class DagCollection:
    """What one DAG file created while it was imported (see ``collect_dags``)."""

    dags: list[DAG] = field(default_factory=list)
    #: Tasks created with no DAG around them, with the file:line that created each.
    orphan_tasks: list[tuple[Any, str]] = field(default_factory=list)


class _Stacks(threading.local):
    def __init__(self) -> None:
        self.dags: list[DAG] = []
        self.groups: list[TaskGroup] = []
        self.collections: list[DagCollection] = []
        self.detached = False


_stacks = _Stacks()


def current_dag() -> DAG | None:
    return _stacks.dags[-1] if _stacks.dags else None


def push_dag(dag: DAG) -> None:
    _stacks.dags.append(dag)
    register_dag(dag)


def pop_dag() -> None:
    _stacks.dags.pop()


def register_dag(dag: DAG) -> None:
    for collection in _stacks.collections:
        if all(found is not dag for found in collection.dags):
            collection.dags.append(dag)


def current_group(dag: DAG | None) -> TaskGroup | None:
    """The innermost open task group that belongs to ``dag``."""
    for group in reversed(_stacks.groups):
        if group.dag is dag:
            return group
    return None


def push_group(group: TaskGroup) -> None:
    _stacks.groups.append(group)


def pop_group() -> None:
    _stacks.groups.pop()


def open_collection() -> DagCollection:
    collection = DagCollection()
    _stacks.collections.append(collection)
    return collection


def close_collection(collection: DagCollection) -> None:
    _stacks.collections.remove(collection)


def record_orphan(task: Any, callsite: str) -> None:
    """Remember a task created with no DAG while a DAG file is being loaded."""
    for collection in _stacks.collections:
        collection.orphan_tasks.append((task, callsite))


def collecting() -> bool:
    return bool(_stacks.collections)


class detached:
    """Hide the open DAGs and groups, so run-time copies of tasks join no DAG."""

    def __enter__(self) -> None:
        self._saved = (_stacks.dags, _stacks.groups, _stacks.collections, _stacks.detached)
        _stacks.dags, _stacks.groups, _stacks.collections = [], [], []
        _stacks.detached = True

    def __exit__(self, *exc: object) -> None:
        _stacks.dags, _stacks.groups, _stacks.collections, _stacks.detached = self._saved


def is_detached() -> bool:
    """Whether tasks created now are run-time copies that must not join a DAG."""
    return _stacks.detached
