"""``XComArg``: a reference to a task's result, passed as an argument to another task.

Passing an XComArg makes its producer upstream of the consumer; at run time the runner
replaces it with the value. Mapped producers give their consumers the list of results,
ordered by map index.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from tradewind.sdk.dependencies import DependencyMixin

if TYPE_CHECKING:
    from tradewind.sdk.abstractoperator import AbstractOperator

XCOM_RETURN_KEY = "return_value"


class XComArg(DependencyMixin):
    """A value produced by upstream tasks, known only at run time."""

    def iter_references(self) -> Iterator[tuple[AbstractOperator, str]]:
        """The (operator, xcom key) pairs this value is made from."""
        raise NotImplementedError

    def resolve(self, context: Any) -> Any:
        """The value at run time, pulled through the running task instance."""
        raise NotImplementedError

    def length_spec(self) -> dict[str, Any]:
        """How the scheduler computes the number of items, for mapping over this value."""
        raise NotImplementedError

    @property
    def roots(self) -> list[AbstractOperator]:
        return _unique_ops(op for op, _ in self.iter_references())

    @property
    def leaves(self) -> list[AbstractOperator]:
        return _unique_ops(op for op, _ in self.iter_references())

    def map(self, function: Callable[[Any], Any]) -> MapXComArg:
        """Apply ``function`` to each item lazily, e.g. to reshape items before ``expand``."""
        return MapXComArg(self, (function,))

    def zip(self, *others: XComArg, fillvalue: Any = ...) -> ZipXComArg:
        """Pair items of several results, like the built-in ``zip`` (or ``zip_longest``)."""
        return ZipXComArg((self, *others), fillvalue=fillvalue)

    def __iter__(self) -> Iterator[Any]:
        raise TypeError(
            "An XComArg cannot be iterated while the DAG is defined: its value exists only when "
            "the task runs. Pass it to a task, or map over it with .expand()."
        )

    def as_setup(self) -> DependencyMixin:
        for op in self.leaves:
            op.as_setup()
        return self

    def as_teardown(
        self, *, setups: Any = None, on_failure_fail_dagrun: bool | None = None
    ) -> DependencyMixin:
        for op in self.leaves:
            op.as_teardown(setups=setups, on_failure_fail_dagrun=on_failure_fail_dagrun)
        return self


class PlainXComArg(XComArg):
    """One XCom of one task: ``task.output`` or a TaskFlow call's result (optionally ``[key]``)."""

    def __init__(self, operator: AbstractOperator, key: str = XCOM_RETURN_KEY) -> None:
        self.operator = operator
        self.key = key

    def __getitem__(self, key: str) -> PlainXComArg:
        if self.key != XCOM_RETURN_KEY:
            raise ValueError(f"XComArg for key {self.key!r} cannot be indexed again.")
        return PlainXComArg(self.operator, key)

    def iter_references(self) -> Iterator[tuple[AbstractOperator, str]]:
        yield self.operator, self.key

    def resolve(self, context: Any) -> Any:
        return context["ti"].pull_xcom_arg(self.operator.task_id, self.key)

    def length_spec(self) -> dict[str, Any]:
        return {"xcom": [self.operator.task_id, self.key]}

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, PlainXComArg)
            and other.operator is self.operator
            and other.key == self.key
        )

    def __hash__(self) -> int:
        return hash((id(self.operator), self.key))

    def __repr__(self) -> str:
        return f"XComArg({self.operator.task_id!r}, {self.key!r})"


class _LazyMapped(Sequence[Any]):
    def __init__(self, source: Sequence[Any], functions: tuple[Callable[[Any], Any], ...]) -> None:
        self._source = source
        self._functions = functions

    def __len__(self) -> int:
        return len(self._source)

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        value = self._source[index]
        for function in self._functions:
            value = function(value)
        return value


class MapXComArg(XComArg):
    """``xcom_arg.map(fn)``: the items of another XComArg, each passed through ``fn``."""

    def __init__(self, arg: XComArg, functions: tuple[Callable[[Any], Any], ...]) -> None:
        self.arg = arg
        self.functions = functions

    def map(self, function: Callable[[Any], Any]) -> MapXComArg:
        return MapXComArg(self.arg, (*self.functions, function))

    def iter_references(self) -> Iterator[tuple[AbstractOperator, str]]:
        return self.arg.iter_references()

    def resolve(self, context: Any) -> Any:
        value = self.arg.resolve(context)
        if isinstance(value, dict):
            value = list(value.items())
        return _LazyMapped(value, self.functions)

    def length_spec(self) -> dict[str, Any]:
        return self.arg.length_spec()


class ZipXComArg(XComArg):
    """``a.zip(b, …)``: tuples of items at the same position."""

    def __init__(self, args: Sequence[XComArg], *, fillvalue: Any = ...) -> None:
        self.args = list(args)
        self.fillvalue = fillvalue

    def iter_references(self) -> Iterator[tuple[AbstractOperator, str]]:
        for arg in self.args:
            yield from arg.iter_references()

    def resolve(self, context: Any) -> Any:
        import itertools

        values = [arg.resolve(context) for arg in self.args]
        if self.fillvalue is ...:
            return list(zip(*values, strict=False))
        return list(itertools.zip_longest(*values, fillvalue=self.fillvalue))

    def length_spec(self) -> dict[str, Any]:
        return {
            "zip": [arg.length_spec() for arg in self.args],
            "longest": self.fillvalue is not ...,
        }


def _unique_ops(ops: Iterator[AbstractOperator]) -> list[AbstractOperator]:
    seen: dict[int, AbstractOperator] = {}
    for op in ops:
        seen.setdefault(id(op), op)
    return list(seen.values())


def iter_xcom_refs(value: Any) -> Iterator[tuple[AbstractOperator, str]]:
    """Every XComArg reference inside ``value`` (walking lists, tuples, sets and dicts)."""
    if isinstance(value, XComArg):
        yield from value.iter_references()
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            yield from iter_xcom_refs(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from iter_xcom_refs(item)


def contains_xcom_arg(value: Any) -> bool:
    """Whether ``value`` holds an XComArg (walking lists, tuples, sets and dicts).

    Unlike :func:`iter_xcom_refs` this also finds XComArgs that reference no task: a
    ``DagParam`` or the argument of a mapped task group expanded over literals.
    """
    if isinstance(value, XComArg):
        return True
    if isinstance(value, list | tuple | set | frozenset):
        return any(contains_xcom_arg(item) for item in value)
    if isinstance(value, dict):
        return any(contains_xcom_arg(item) for item in value.values())
    return False


def resolve_xcom_args(value: Any, context: Any) -> Any:
    """``value`` with every XComArg inside replaced by its run-time value."""
    if isinstance(value, XComArg):
        return value.resolve(context)
    if isinstance(value, list):
        return [resolve_xcom_args(item, context) for item in value]
    if isinstance(value, tuple):
        return tuple(resolve_xcom_args(item, context) for item in value)
    if isinstance(value, set | frozenset):
        return type(value)(resolve_xcom_args(item, context) for item in value)
    if isinstance(value, dict):
        return {key: resolve_xcom_args(item, context) for key, item in value.items()}
    return value
