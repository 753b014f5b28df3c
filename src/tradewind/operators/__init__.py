"""Tradewind's standard operators, under Airflow's names.

Each operator lives in its own module (``tradewind.operators.bash`` …). The names below are
also importable from this package; they load their module on first use, so importing one
operator does not import the others.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tradewind.operators.bash import BashOperator
    from tradewind.operators.branch import BaseBranchOperator
    from tradewind.operators.empty import EmptyOperator
    from tradewind.operators.latest_only import LatestOnlyOperator
    from tradewind.operators.python import (
        BranchPythonOperator,
        PythonOperator,
        ShortCircuitOperator,
    )
    from tradewind.operators.trigger_dagrun import TriggerDagRunOperator

_MODULES = {
    "BaseBranchOperator": "branch",
    "BashOperator": "bash",
    "BranchPythonOperator": "python",
    "EmptyOperator": "empty",
    "LatestOnlyOperator": "latest_only",
    "PythonOperator": "python",
    "ShortCircuitOperator": "python",
    "TriggerDagRunOperator": "trigger_dagrun",
}

__all__ = [
    "BaseBranchOperator",
    "BashOperator",
    "BranchPythonOperator",
    "EmptyOperator",
    "LatestOnlyOperator",
    "PythonOperator",
    "ShortCircuitOperator",
    "TriggerDagRunOperator",
]


def __getattr__(name: str) -> Any:
    module = _MODULES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
