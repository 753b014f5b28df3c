"""Masking secrets in task logs.

A :class:`Masker` holds the secret values a try has seen and replaces each of them by ``***``
in every log line. What counts as a secret, as in Airflow: the value of a variable whose
name looks sensitive (``db_password``, ``api_token``), a connection's password and the
sensitive keys of its extra, values under sensitive keys in a run's conf (at any depth), and
variables with sensitive names defined in the environment.
Values shorter than :data:`MIN_SECRET_LENGTH` are not masked: masking ``"a"`` would garble
every line and hide nothing.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from tradewind.config import VARIABLE_ENV_PREFIXES
from tradewind.contracts.runs import DagRunInfo, TaskInstanceKey
from tradewind.contracts.sensitive import MASK, SENSITIVE_NAMES, is_sensitive
from tradewind.runtime.client import ExecutionClient

__all__ = ["MASK", "SENSITIVE_NAMES", "Masker", "MaskingClient", "MaskingFormatter", "is_sensitive"]

MIN_SECRET_LENGTH = 5


class Masker:
    """Secret values, and a ``mask`` that hides them in text."""

    def __init__(self) -> None:
        self._secrets: set[str] = set()
        self._pattern: re.Pattern[str] | None = None

    def copy(self) -> Masker:
        """A masker of the same secrets, to which more can be added without changing this one."""
        twin = Masker()
        twin._secrets = set(self._secrets)
        twin._pattern = self._pattern
        return twin

    def add(self, value: Any) -> None:
        """Mask ``value`` (a string, or every string inside a list or dict)."""
        for text in _strings(value):
            if len(text) >= MIN_SECRET_LENGTH and text not in self._secrets:
                self._secrets.add(text)
                # Longest first, so a secret containing another is masked whole.
                ordered = sorted(self._secrets, key=len, reverse=True)
                self._pattern = re.compile("|".join(re.escape(s) for s in ordered))

    def add_sensitive_items(self, value: Any) -> None:
        """Mask what sits under a sensitive key anywhere inside ``value``."""
        if isinstance(value, dict):
            for key, item in value.items():
                if isinstance(key, str) and is_sensitive(key):
                    self.add(item)
                else:
                    self.add_sensitive_items(item)
        elif isinstance(value, list | tuple):
            for item in value:
                self.add_sensitive_items(item)

    def add_environment_variables(self, environ: Mapping[str, str]) -> None:
        """Mask variables defined in the environment (``TRADEWIND_VAR_DB_PASSWORD``)."""
        for name, value in environ.items():
            if name.startswith(VARIABLE_ENV_PREFIXES) and is_sensitive(name):
                self.add(value)

    def mask(self, text: str) -> str:
        return text if self._pattern is None else self._pattern.sub(MASK, text)


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


def _json_or_none(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None


class MaskingFormatter(logging.Formatter):
    """A formatter whose lines (tracebacks included) have every secret masked."""

    def __init__(self, masker: Masker, fmt: str, datefmt: str | None = None) -> None:
        super().__init__(fmt, datefmt)
        self.masker = masker

    def format(self, record: logging.LogRecord) -> str:
        return self.masker.mask(super().format(record))


class MaskingClient:
    """An ``ExecutionClient`` that registers the secrets passing through it with a masker."""

    def __init__(self, client: ExecutionClient, masker: Masker) -> None:
        self._client = client
        self._masker = masker

    def get_run_info(self, dag_id: str, run_id: str) -> DagRunInfo:
        info = self._client.get_run_info(dag_id, run_id)
        self._masker.add_sensitive_items(info.conf)
        return info

    def get_xcom(
        self, dag_id: str, run_id: str, task_id: str, map_index: int, key: str
    ) -> str | None:
        return self._client.get_xcom(dag_id, run_id, task_id, map_index, key)

    def get_prior_xcom(
        self, dag_id: str, run_id: str, task_id: str, map_index: int, key: str
    ) -> str | None:
        return self._client.get_prior_xcom(dag_id, run_id, task_id, map_index, key)

    def list_xcom(self, dag_id: str, run_id: str, task_id: str, key: str) -> list[tuple[int, str]]:
        return self._client.list_xcom(dag_id, run_id, task_id, key)

    def set_xcom(self, ti: TaskInstanceKey, key: str, value: str) -> None:
        self._client.set_xcom(ti, key, value)

    def get_task_states(self, dag_id: str, run_id: str, task_id: str) -> dict[int, str | None]:
        return self._client.get_task_states(dag_id, run_id, task_id)

    def get_variable(self, key: str) -> str | None:
        value = self._client.get_variable(key)
        if value is not None:
            decoded = _json_or_none(value)
            if is_sensitive(key):
                self._masker.add(value)
                self._masker.add(decoded)
            else:
                self._masker.add_sensitive_items(decoded)
        return value

    def get_connection(self, conn_id: str) -> dict[str, Any] | None:
        connection = self._client.get_connection(conn_id)
        if connection is not None:
            self._masker.add(connection.get("password"))
            extra = connection.get("extra")
            self._masker.add_sensitive_items(
                _json_or_none(extra) if isinstance(extra, str) else extra
            )
        return connection

    def trigger_dag_run(
        self,
        *,
        dag_id: str,
        run_id: str | None,
        conf: dict[str, Any],
        logical_date: datetime | None,
        reset_dag_run: bool,
    ) -> str:
        return self._client.trigger_dag_run(
            dag_id=dag_id,
            run_id=run_id,
            conf=conf,
            logical_date=logical_date,
            reset_dag_run=reset_dag_run,
        )

    def get_dag_run_state(self, dag_id: str, run_id: str) -> str | None:
        return self._client.get_dag_run_state(dag_id, run_id)
