"""Calling a user's Python function with the task context it asks for.

A generator function is run to its end: each :class:`~tradewind.sdk.asset.Metadata` it yields
attaches an asset event through the context's ``outlet_events``, and what it returns is the
task's result (as in Airflow).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Generator, Mapping, Sequence
from typing import Any

from tradewind.logging import get_logger
from tradewind.sdk.asset import Metadata

log = get_logger(__name__)


def context_kwargs(
    function: Callable[..., Any], context: Mapping[str, Any], explicit: Mapping[str, Any]
) -> dict[str, Any]:
    """Keyword arguments for ``function``: ``explicit`` ones, plus the context keys it names.

    A function with ``**kwargs`` receives the whole context; otherwise it receives just the
    context keys that match its parameter names (``def f(ds, ti): ...``).
    """
    parameters = inspect.signature(function).parameters
    if any(p.kind is p.VAR_KEYWORD for p in parameters.values()):
        return {**context, **explicit}
    kwargs = {name: context[name] for name in parameters if name in context}
    kwargs.update(explicit)
    return kwargs


def call_with_context(
    function: Callable[..., Any],
    args: Sequence[Any],
    kwargs: Mapping[str, Any],
    context: Mapping[str, Any],
) -> Any:
    """Call ``function(*args, **kwargs)``, adding the context keys its signature asks for."""
    parameters = list(inspect.signature(function).parameters.values())
    # Context keys never replace positional arguments the caller already gave.
    taken = {p.name for p in parameters[: len(args)] if p.kind is not p.VAR_POSITIONAL}
    merged = context_kwargs(function, {k: v for k, v in context.items() if k not in taken}, kwargs)
    if inspect.isgeneratorfunction(function):
        return _drain(function(*args, **merged), context.get("outlet_events"))
    return function(*args, **merged)


def _drain(results: Generator[Any, None, Any], outlet_events: Any) -> Any:
    """Run a task's generator, attaching the asset events it yields; its return value."""
    while True:
        try:
            item = next(results)
        except StopIteration as stop:
            return stop.value
        if not isinstance(item, Metadata):
            log.warning("Ignoring a %s the task yielded: only Metadata is used.", type(item))
        elif outlet_events is None:
            log.warning("Ignoring %r: this task context has no outlet_events.", item)
        else:
            # The asset's own extra too, as Airflow: it counts if the asset is an outlet.
            outlet_events[item.asset].extra.update(item.extra)
            if item.alias is not None:
                outlet_events[item.alias].add(item.asset, extra=item.extra)
