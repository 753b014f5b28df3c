"""How a running task reaches state: the execution client interface.

User code never touches the metadata store. The runner and the task instance object that
tasks see go through an ``ExecutionClient``: in process for ``dags test``, over a pipe or
HTTP for executors. XCom values cross it as JSON text (see :mod:`tradewind.contracts.serde`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from tradewind.contracts.runs import DagRunInfo, TaskInstanceKey


class ExecutionClient(Protocol):
    def get_run_info(self, dag_id: str, run_id: str) -> DagRunInfo: ...

    def get_xcom(
        self, dag_id: str, run_id: str, task_id: str, map_index: int, key: str
    ) -> str | None: ...

    def list_xcom(
        self, dag_id: str, run_id: str, task_id: str, key: str
    ) -> list[tuple[int, str]]: ...

    def get_prior_xcom(
        self, dag_id: str, run_id: str, task_id: str, map_index: int, key: str
    ) -> str | None:
        """The value in this run, else in the latest earlier run (``include_prior_dates``)."""
        ...

    def set_xcom(self, ti: TaskInstanceKey, key: str, value: str) -> None: ...

    def get_task_states(self, dag_id: str, run_id: str, task_id: str) -> dict[int, str | None]:
        """States of a task's instances in a run, by map index (-1 for an unmapped task)."""
        ...

    def get_variable(self, key: str) -> str | None: ...

    def get_connection(self, conn_id: str) -> dict[str, Any] | None: ...

    def trigger_dag_run(
        self,
        *,
        dag_id: str,
        run_id: str | None,
        conf: dict[str, Any],
        logical_date: datetime | None,
        reset_dag_run: bool,
    ) -> str: ...

    def get_dag_run_state(self, dag_id: str, run_id: str) -> str | None: ...
