"""The interface every run store implements (in memory for ``dags test``, SQL for servers)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, Protocol

from tradewind.contracts.states import TaskInstanceState
from tradewind.storage.records import DagRunRecord, TaskInstanceRecord, TaskTryRecord


class RunStore(Protocol):
    """Runs, task instances, tries and XCom of DAG runs. Callers own the transaction."""

    def add_dag_run(self, run: DagRunRecord) -> None: ...

    def get_dag_run(self, dag_id: str, run_id: str) -> DagRunRecord | None: ...

    def list_dag_runs(self, dag_id: str) -> list[DagRunRecord]: ...

    def save_dag_run(self, run: DagRunRecord) -> None: ...

    def list_task_instances(self, dag_id: str, run_id: str) -> list[TaskInstanceRecord]: ...

    def get_task_instance(
        self, dag_id: str, run_id: str, task_id: str, map_index: int
    ) -> TaskInstanceRecord | None: ...

    def add_task_instances(self, tis: Iterable[TaskInstanceRecord]) -> None: ...

    def delete_task_instances(self, tis: Iterable[TaskInstanceRecord]) -> None: ...

    def save_task_instances(self, tis: Iterable[TaskInstanceRecord]) -> None: ...

    def add_try(self, record: TaskTryRecord) -> None: ...

    def list_tries(self, dag_id: str, run_id: str, task_id: str) -> list[TaskTryRecord]: ...

    def set_xcom(
        self, dag_id: str, run_id: str, task_id: str, map_index: int, key: str, value: str
    ) -> None: ...

    def get_xcom(
        self, dag_id: str, run_id: str, task_id: str, map_index: int, key: str
    ) -> str | None: ...

    def list_xcom(self, dag_id: str, run_id: str, task_id: str, key: str) -> list[tuple[int, str]]:
        """Values of ``key`` pushed by every map index of a task, ordered by map index."""
        ...

    def delete_xcom(self, dag_id: str, run_id: str, task_id: str, map_index: int) -> None: ...

    def get_previous_task_states(
        self, dag_id: str, run_id: str, *, before: datetime
    ) -> dict[tuple[str, int], TaskInstanceState | None]:
        """(task_id, map_index) → state in the DAG's latest run before ``before`` (by logical
        date, else run_after), other than ``run_id``; empty when there is none."""
        ...

    def get_latest_xcom(
        self, dag_id: str, task_id: str, map_index: int, key: str, *, until: datetime
    ) -> str | None:
        """The value from the run with the latest logical date at or before ``until``."""
        ...

    def get_variable(self, key: str) -> str | None: ...

    def set_variable(self, key: str, value: str) -> None: ...

    def get_connection(self, conn_id: str) -> dict[str, Any] | None:
        """The connection's fields (conn_type, host, schema, login, password, port, extra)."""
        ...

    def list_triggering_asset_events(
        self, dag_id: str, run_id: str
    ) -> dict[str, list[dict[str, Any]]]:
        """Asset URI → the asset events an asset-triggered run consumed, oldest first."""
        ...
