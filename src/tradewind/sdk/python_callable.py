"""Calling a user's Python function with the task context it asks for."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping, Sequence
from typing import Any


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
    return function(*args, **merged)
