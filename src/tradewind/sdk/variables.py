"""``Variable``: named settings that task code (and DAG files) read by key.

``Variable.get("key")`` looks in the environment first (``TRADEWIND_VAR_KEY``, then
``AIRFLOW_VAR_KEY``, as Airflow's environment backend), then in the variable source of the
running task: the runner sets one (its execution client) with :func:`use_variable_source`
for the duration of each try. While a DAG file is parsed there is no source, so only the
environment is seen there.
"""

from __future__ import annotations

import contextvars
import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from tradewind.config import VARIABLE_ENV_PREFIXES
from tradewind.errors import TradewindError, VariableNotFoundError
from tradewind.sdk.params import NOTSET

__all__ = [
    "VARIABLE_ENV_PREFIXES",
    "Variable",
    "VariableNotFoundError",
    "VariableWriteError",
    "use_variable_source",
]

#: Environment variable prefixes that define variables, Tradewind's first.

VariableSource = Callable[[str], str | None]

_source: contextvars.ContextVar[VariableSource | None] = contextvars.ContextVar(
    "tradewind_variable_source", default=None
)


class VariableWriteError(TradewindError):
    """Task code tried to create, change or delete a Variable, which it cannot do."""


@contextmanager
def use_variable_source(source: VariableSource) -> Iterator[None]:
    """Make ``source`` (key → raw text or None) where ``Variable.get`` looks after the env."""
    token = _source.set(source)
    try:
        yield
    finally:
        _source.reset(token)


def _lookup(key: str) -> str | None:
    for prefix in VARIABLE_ENV_PREFIXES:
        value = os.environ.get(prefix + key.upper())
        if value is not None:
            return value
    source = _source.get()
    return source(key) if source is not None else None


class Variable:
    """Read Variables: ``Variable.get("key", default_var=None, deserialize_json=False)``."""

    @classmethod
    def get(
        cls,
        key: str,
        default_var: Any = NOTSET,
        deserialize_json: bool = False,
        *,
        default: Any = NOTSET,
    ) -> Any:
        """The value of ``key`` (parsed as JSON with ``deserialize_json``).

        A missing Variable returns the default (``default_var``, Airflow 2's name, or
        ``default``, Airflow 3's), or raises :class:`VariableNotFoundError` without one.
        """
        fallback = default if default is not NOTSET else default_var
        raw = _lookup(key)
        if raw is None:
            if fallback is not NOTSET:
                return fallback
            where = (
                ""
                if _source.get() is not None
                else " (outside a running task only environment variables are seen)"
            )
            raise VariableNotFoundError(
                f"Variable {key!r} does not exist{where}. Create it, set the environment "
                f"variable TRADEWIND_VAR_{key.upper()}, or pass a default: "
                f"Variable.get({key!r}, default_var=...)."
            )
        if not deserialize_json:
            return raw
        try:
            return json.loads(raw)
        except ValueError as exc:
            raise TradewindError(
                f"Variable {key!r} is not valid JSON ({exc}); read it without "
                "deserialize_json=True, or store a JSON document in it."
            ) from None

    @classmethod
    def setdefault(cls, key: str, default: Any, deserialize_json: bool = False) -> Any:
        """The value of ``key``, or ``default`` when it does not exist (nothing is stored)."""
        return cls.get(key, default_var=default, deserialize_json=deserialize_json)

    @classmethod
    def set(cls, key: str, value: Any, *args: Any, **kwargs: Any) -> None:
        cls._refuse("set", key)

    @classmethod
    def update(cls, key: str, value: Any, *args: Any, **kwargs: Any) -> None:
        cls._refuse("update", key)

    @classmethod
    def delete(cls, key: str, *args: Any, **kwargs: Any) -> None:
        cls._refuse("delete", key)

    @classmethod
    def _refuse(cls, action: str, key: str) -> None:
        raise VariableWriteError(
            f"Variable.{action}({key!r}) is not supported: Tradewind tasks read Variables but "
            "do not write them. Manage Variables with the CLI, the REST API or environment "
            "variables, and pass results between tasks with XCom (return values)."
        )
