"""Builders for small DAGs whose tasks succeed, fail or skip on purpose."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tradewind.exceptions import SkipTask
from tradewind.operators.python import PythonOperator


def succeed() -> str:
    return "ok"


def fail() -> None:
    raise ValueError("planned failure")


def skip() -> None:
    raise SkipTask("planned skip")


OUTCOMES: dict[str, Callable[[], Any]] = {"success": succeed, "failed": fail, "skipped": skip}


def outcome_task(task_id: str, outcome: str, **kwargs: Any) -> PythonOperator:
    """A task that ends ``success``, ``failed`` or ``skipped`` (inside a ``with DAG`` block)."""
    return PythonOperator(task_id=task_id, python_callable=OUTCOMES[outcome], **kwargs)


@pytest.fixture
def outcome() -> Callable[..., PythonOperator]:
    """``outcome("a", "failed", trigger_rule=...)``: see :func:`outcome_task`."""
    return outcome_task


@pytest.fixture
def recorder() -> list[Any]:
    """A list tasks append to: tasks run in this process, so tests can see what they did."""
    return []
