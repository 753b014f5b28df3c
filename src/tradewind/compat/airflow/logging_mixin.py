"""``LoggingMixin``: a ``log`` attribute named after the class, as Airflow's hooks have."""

from __future__ import annotations

import logging

__all__ = ["LoggingMixin"]


class LoggingMixin:
    """Gives instances a ``log`` logger named ``<module>.<class>``."""

    _log: logging.Logger | None = None

    @property
    def log(self) -> logging.Logger:
        if self._log is None:
            self._log = logging.getLogger(f"{type(self).__module__}.{type(self).__qualname__}")
        return self._log
