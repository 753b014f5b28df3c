"""Tradewind's standard sensors, under Airflow's names.

Each sensor lives in its own module (``tradewind.sensors.filesystem`` …). The names below are
also importable from this package; they load their module on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tradewind.sensors.base import BaseSensorOperator, PokeReturnValue
    from tradewind.sensors.date_time import DateTimeSensor, DateTimeSensorAsync
    from tradewind.sensors.filesystem import FileSensor
    from tradewind.sensors.python import PythonSensor
    from tradewind.sensors.time_delta import TimeDeltaSensor, TimeDeltaSensorAsync

_MODULES = {
    "BaseSensorOperator": "base",
    "DateTimeSensor": "date_time",
    "DateTimeSensorAsync": "date_time",
    "FileSensor": "filesystem",
    "PokeReturnValue": "base",
    "PythonSensor": "python",
    "TimeDeltaSensor": "time_delta",
    "TimeDeltaSensorAsync": "time_delta",
}

__all__ = [
    "BaseSensorOperator",
    "DateTimeSensor",
    "DateTimeSensorAsync",
    "FileSensor",
    "PokeReturnValue",
    "PythonSensor",
    "TimeDeltaSensor",
    "TimeDeltaSensorAsync",
]


def __getattr__(name: str) -> Any:
    module = _MODULES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
