"""``TriggerDagRunOperator``: start a run of another DAG, and optionally wait for it.

The triggered run's id is pushed as the XCom ``trigger_run_id`` (and its logical date as
``trigger_logical_date_iso``), before any waiting, so that downstream tasks and links can
find the run even while it is still going.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from tradewind.contracts.states import TERMINAL_RUN_STATES, DagRunState
from tradewind.errors import DagRunAlreadyExistsError, TradewindError
from tradewind.exceptions import SkipTask
from tradewind.sdk.baseoperator import BaseOperator
from tradewind.sdk.ids import validate_id

__all__ = [
    "XCOM_LOGICAL_DATE_ISO",
    "XCOM_RUN_ID",
    "DagRunAlreadyExistsError",
    "TriggerDagRunOperator",
    "TriggeredRunFailedError",
]

log = logging.getLogger(__name__)

XCOM_RUN_ID: Final = "trigger_run_id"
XCOM_LOGICAL_DATE_ISO: Final = "trigger_logical_date_iso"


class TriggeredRunFailedError(TradewindError):
    """The run a TriggerDagRunOperator waited for ended in a state it does not accept."""


class _Now:
    """Type of :data:`_NOW`: "trigger with the current time as logical date"."""

    def __repr__(self) -> str:
        return "<now>"


_NOW: Final = _Now()


def _run_states(name: str, values: Iterable[str]) -> list[DagRunState]:
    states: list[DagRunState] = []
    for value in values:
        try:
            states.append(DagRunState(str(value)))
        except ValueError:
            valid = ", ".join(state.value for state in DagRunState)
            raise ValueError(
                f"{name} holds {value!r}, which is not a run state ({valid})."
            ) from None
    return states


def _as_datetime(task_id: str, value: str | datetime) -> datetime:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(
                f"logical_date of task {task_id!r} must be an ISO 8601 date and time such as "
                f"'2024-05-01T00:00:00+00:00'; got {value!r}."
            ) from None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


class TriggerDagRunOperator(BaseOperator):
    """Trigger a run of ``trigger_dag_id``.

    * ``trigger_run_id``: the new run's id (generated when not given).
    * ``conf``: the run's conf, a JSON-serializable dict.
    * ``logical_date``: a datetime or ISO string; the current time when not given, and no
      logical date when given as ``None`` (Airflow 3).
    * ``reset_dag_run``: clear and re-run an existing run with that id instead of failing.
    * ``skip_when_already_exists``: end as skipped when the run exists (and is not reset).
    * ``wait_for_completion``: wait, checking every ``poke_interval`` seconds, until the run
      reaches one of ``allowed_states`` (default success) or fails on ``failed_states``
      (default failed, except states listed in ``allowed_states``).

    ``trigger_dag_id``, ``trigger_run_id``, ``logical_date`` and ``conf`` are templated.
    ``deferrable`` is accepted for Airflow DAG files; the wait happens inside the task.
    """

    template_fields: Sequence[str] = ("trigger_dag_id", "trigger_run_id", "logical_date", "conf")
    template_fields_renderers = {"conf": "py"}
    ui_color = "#ffefeb"

    def __init__(
        self,
        *,
        trigger_dag_id: str,
        trigger_run_id: str | None = None,
        conf: Mapping[str, Any] | None = None,
        logical_date: str | datetime | _Now | None = _NOW,
        reset_dag_run: bool = False,
        wait_for_completion: bool = False,
        poke_interval: float | timedelta = 60,
        allowed_states: Iterable[str] | None = None,
        failed_states: Iterable[str] | None = None,
        skip_when_already_exists: bool = False,
        deferrable: bool = False,
        execution_date: str | datetime | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if execution_date is not None:  # Airflow 2's name
            if not isinstance(logical_date, _Now):
                raise TypeError(
                    f"Task {self.task_id!r} gives both logical_date and execution_date; "
                    "execution_date is the old name of logical_date, keep only logical_date."
                )
            logical_date = execution_date
        self.trigger_dag_id = trigger_dag_id
        self.trigger_run_id = trigger_run_id
        self.conf = dict(conf) if conf is not None else None
        self.logical_date = logical_date
        self.reset_dag_run = reset_dag_run
        self.wait_for_completion = wait_for_completion
        self.poke_interval = (
            poke_interval.total_seconds() if isinstance(poke_interval, timedelta) else poke_interval
        )
        self.allowed_states = _run_states("allowed_states", allowed_states or [DagRunState.SUCCESS])
        if failed_states is None:
            failed_states = [s for s in [DagRunState.FAILED] if s not in self.allowed_states]
        self.failed_states = _run_states("failed_states", failed_states)
        self.skip_when_already_exists = skip_when_already_exists
        self.deferrable = deferrable

    def execute(self, context: Any) -> None:
        dag_id = validate_id(self.trigger_dag_id, "trigger_dag_id")
        conf = self._checked_conf()
        logical_date = self._resolved_logical_date()
        ti = context["ti"]
        try:
            run_id: str = ti.trigger_dag_run(
                dag_id=dag_id,
                run_id=self.trigger_run_id or None,
                conf=conf,
                logical_date=logical_date,
                reset_dag_run=self.reset_dag_run,
            )
        except DagRunAlreadyExistsError as exc:
            if self.skip_when_already_exists:
                raise SkipTask(f"{exc} Skipping: skip_when_already_exists is set.") from exc
            raise
        log.info("Triggered DAG %s: run %s", dag_id, run_id)
        ti.xcom_push(key=XCOM_RUN_ID, value=run_id)
        if logical_date is not None:
            ti.xcom_push(key=XCOM_LOGICAL_DATE_ISO, value=logical_date.isoformat())
        if self.wait_for_completion:
            self._wait(ti, dag_id, run_id)

    def _checked_conf(self) -> dict[str, Any]:
        conf = self.conf if self.conf is not None else {}
        if not isinstance(conf, Mapping):
            raise TypeError(f"conf of task {self.task_id!r} must be a dict, got {conf!r}.")
        try:
            json.dumps(conf)
        except (TypeError, ValueError) as exc:
            raise TypeError(
                f"conf of task {self.task_id!r} must be JSON-serializable: {exc}."
            ) from None
        return dict(conf)

    def _resolved_logical_date(self) -> datetime | None:
        value = self.logical_date
        if isinstance(value, _Now):
            return datetime.now(UTC)
        if value is None or value == "":
            return None
        if not isinstance(value, str | datetime):
            raise TypeError(
                f"logical_date of task {self.task_id!r} must be a datetime or an ISO 8601 "
                f"string, got {value!r}."
            )
        return _as_datetime(self.task_id, value)

    def _wait(self, ti: Any, dag_id: str, run_id: str) -> None:
        wanted = ", ".join(self.allowed_states)
        while True:
            state = ti.get_dag_run_state(dag_id, run_id)
            if state is None:
                raise TriggeredRunFailedError(
                    f"The triggered run {run_id!r} of DAG {dag_id!r} no longer exists."
                )
            if state in self.failed_states:
                raise TriggeredRunFailedError(
                    f"The triggered run {run_id!r} of DAG {dag_id!r} ended as {state}, one of "
                    f"failed_states ({', '.join(self.failed_states)})."
                )
            if state in self.allowed_states:
                log.info("Run %s of DAG %s reached %s.", run_id, dag_id, state)
                return
            if state in TERMINAL_RUN_STATES:
                # A finished run never changes again: waiting longer cannot help.
                raise TriggeredRunFailedError(
                    f"The triggered run {run_id!r} of DAG {dag_id!r} ended as {state}, which "
                    f"is not in allowed_states ({wanted})."
                )
            log.info(
                "Waiting for run %s of DAG %s to reach %s (now %s)", run_id, dag_id, wanted, state
            )
            time.sleep(self.poke_interval)
