"""``airflow.configuration.conf``: a read-only view of Tradewind's settings.

``conf.get(section, key)`` answers, in order, from Tradewind's own setting of the same meaning
(``[core] dags_folder``, ``dagbag_import_timeout``, ``default_timezone``, ``load_examples``),
then from an ``AIRFLOW__SECTION__KEY`` environment variable, then from ``fallback``. Settings
are read when asked, never at import time. Writing (``conf.set``) is refused.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from tradewind.config import Settings, load_settings
from tradewind.errors import ConfigError

__all__ = ["AirflowConfigView", "conf"]

_MISSING: Any = object()

#: (section, key) in Airflow's names → how to read it from Tradewind's settings.
_FROM_SETTINGS: dict[tuple[str, str], Callable[[Settings], object]] = {
    ("core", "dags_folder"): lambda s: s.dags_folder,
    ("core", "dagbag_import_timeout"): lambda s: s.core.dagbag_import_timeout,
    ("core", "default_timezone"): lambda s: s.core.default_timezone,
    ("core", "load_examples"): lambda s: s.core.load_examples,
}

_TRUE = ("1", "true", "t", "yes", "y", "on")
_FALSE = ("0", "false", "f", "no", "n", "off")


class AirflowConfigView:
    """What DAG files read from ``airflow.configuration.conf``; see the module docstring."""

    def get(self, section: str, key: str, fallback: Any = _MISSING, **kwargs: Any) -> Any:
        section, key = section.lower(), key.lower()
        reader = _FROM_SETTINGS.get((section, key))
        if reader is not None:
            value = reader(load_settings())
            return str(value)
        env_value = os.environ.get(f"AIRFLOW__{section.upper()}__{key.upper()}")
        if env_value is not None:
            return env_value
        if fallback is not _MISSING:
            return fallback
        raise ConfigError(
            f"Tradewind has no setting for Airflow's [{section}] {key}. Set the environment "
            f"variable AIRFLOW__{section.upper()}__{key.upper()}, or pass fallback=... ."
        )

    def has_option(self, section: str, key: str) -> bool:
        return self.get(section, key, fallback=None) is not None

    def getboolean(self, section: str, key: str, fallback: Any = _MISSING, **kwargs: Any) -> Any:
        value = self.get(section, key, fallback=fallback)
        if not isinstance(value, str):
            return value
        text = value.strip().lower().split("#", 1)[0].strip()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise ConfigError(f"[{section}] {key} is {value!r}, which is not a boolean.")

    def getint(self, section: str, key: str, fallback: Any = _MISSING, **kwargs: Any) -> Any:
        value = self.get(section, key, fallback=fallback)
        return int(float(value)) if isinstance(value, str) else value

    def getfloat(self, section: str, key: str, fallback: Any = _MISSING, **kwargs: Any) -> Any:
        value = self.get(section, key, fallback=fallback)
        return float(value) if isinstance(value, str) else value

    def getlist(
        self, section: str, key: str, delimiter: str = ",", fallback: Any = _MISSING, **kw: Any
    ) -> Any:
        value = self.get(section, key, fallback=fallback)
        if not isinstance(value, str):
            return value
        return [item.strip() for item in value.split(delimiter) if item.strip()]

    def set(self, section: str, key: str, value: str) -> None:
        raise ConfigError(
            "airflow.configuration.conf is a read-only view of Tradewind's settings; change "
            "them in $TRADEWIND_HOME/tradewind.toml or TRADEWIND__SECTION__KEY variables."
        )

    def __repr__(self) -> str:
        return "<Tradewind's read-only view of its settings under Airflow's names>"


conf = AirflowConfigView()
