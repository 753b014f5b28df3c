"""What running tasks may read and write, served from a run store.

This is the in-process implementation of the runtime's ``ExecutionClient`` interface; the
HTTP execution API for remote workers serves the same operations.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import Any

from tradewind.config import VARIABLE_ENV_PREFIXES
from tradewind.contracts.runs import DagRunInfo, DagRunType, TaskInstanceKey
from tradewind.core.dagrun import make_run_id, run_info
from tradewind.errors import DagRunAlreadyExistsError, TradewindError
from tradewind.storage.base import RunStore
from tradewind.storage.records import DagRunRecord


class StoreExecutionService:
    def __init__(self, store: RunStore) -> None:
        self.store = store

    def get_run_info(self, dag_id: str, run_id: str) -> DagRunInfo:
        run = self.store.get_dag_run(dag_id, run_id)
        if run is None:
            raise TradewindError(f"DAG run {run_id!r} of {dag_id!r} does not exist.")
        return run_info(run, self.store)

    def get_xcom(
        self, dag_id: str, run_id: str, task_id: str, map_index: int, key: str
    ) -> str | None:
        return self.store.get_xcom(dag_id, run_id, task_id, map_index, key)

    def list_xcom(self, dag_id: str, run_id: str, task_id: str, key: str) -> list[tuple[int, str]]:
        return self.store.list_xcom(dag_id, run_id, task_id, key)

    def get_prior_xcom(
        self, dag_id: str, run_id: str, task_id: str, map_index: int, key: str
    ) -> str | None:
        """The value in this run, else in the latest earlier run (by logical date)."""
        run = self.store.get_dag_run(dag_id, run_id)
        if run is None or run.logical_date is None:
            return self.store.get_xcom(dag_id, run_id, task_id, map_index, key)
        return self.store.get_latest_xcom(dag_id, task_id, map_index, key, until=run.logical_date)

    def set_xcom(self, ti: TaskInstanceKey, key: str, value: str) -> None:
        self.store.set_xcom(ti.dag_id, ti.run_id, ti.task_id, ti.map_index, key, value)

    def get_task_states(self, dag_id: str, run_id: str, task_id: str) -> dict[int, str | None]:
        return {
            ti.map_index: (str(ti.state) if ti.state else None)
            for ti in self.store.list_task_instances(dag_id, run_id)
            if ti.task_id == task_id
        }

    def get_variable(self, key: str) -> str | None:
        for prefix in VARIABLE_ENV_PREFIXES:
            value = os.environ.get(prefix + key.upper())
            if value is not None:
                return value
        return self.store.get_variable(key)

    def get_connection(self, conn_id: str) -> dict[str, Any] | None:
        return self.store.get_connection(conn_id)

    def trigger_dag_run(
        self,
        *,
        dag_id: str,
        run_id: str | None,
        conf: dict[str, Any],
        logical_date: datetime | None,
        reset_dag_run: bool,
    ) -> str:
        now = datetime.now(UTC)
        run_id = run_id or make_run_id(DagRunType.MANUAL, logical_date or now)
        if self.store.get_dag_run(dag_id, run_id) is not None and not reset_dag_run:
            raise DagRunAlreadyExistsError(dag_id, run_id)
        if self.store.get_dag_run(dag_id, run_id) is None:
            self.store.add_dag_run(
                DagRunRecord(
                    dag_id=dag_id,
                    run_id=run_id,
                    run_type=DagRunType.MANUAL,
                    logical_date=logical_date,
                    data_interval_start=logical_date,
                    data_interval_end=logical_date,
                    run_after=logical_date or now,
                    conf=dict(conf),
                    queued_at=now,
                )
            )
        return run_id

    def get_dag_run_state(self, dag_id: str, run_id: str) -> str | None:
        run = self.store.get_dag_run(dag_id, run_id)
        return str(run.state) if run else None
