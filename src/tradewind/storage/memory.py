"""A run store kept in process memory: the store behind ``dags test`` and unit tests."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from tradewind.contracts.states import TaskInstanceState
from tradewind.errors import DagRunAlreadyExistsError
from tradewind.storage.records import DagRunRecord, TaskInstanceRecord, TaskTryRecord

_TiKey = tuple[str, str, str, int]


class MemoryStore:
    """Implements :class:`~tradewind.storage.base.RunStore` with dictionaries."""

    def __init__(self) -> None:
        self._runs: dict[tuple[str, str], DagRunRecord] = {}
        self._tis: dict[tuple[str, str], dict[tuple[str, int], TaskInstanceRecord]] = {}
        self._tries: dict[tuple[str, str, str], list[TaskTryRecord]] = {}
        self._xcom: dict[_TiKey, dict[str, str]] = {}
        self._variables: dict[str, str] = {}
        #: conn_id → fields, for tests and dags test.
        self.connections: dict[str, dict[str, Any]] = {}

    # -- runs ------------------------------------------------------------------------------

    def add_dag_run(self, run: DagRunRecord) -> None:
        key = (run.dag_id, run.run_id)
        if key in self._runs:
            raise DagRunAlreadyExistsError(run.dag_id, run.run_id)
        self._runs[key] = run
        self._tis[key] = {}

    def get_dag_run(self, dag_id: str, run_id: str) -> DagRunRecord | None:
        return self._runs.get((dag_id, run_id))

    def list_dag_runs(self, dag_id: str) -> list[DagRunRecord]:
        return [run for (d, _), run in self._runs.items() if d == dag_id]

    def save_dag_run(self, run: DagRunRecord) -> None:
        self._runs[(run.dag_id, run.run_id)] = run

    # -- task instances ------------------------------------------------------------------

    def list_task_instances(self, dag_id: str, run_id: str) -> list[TaskInstanceRecord]:
        return list(self._tis.get((dag_id, run_id), {}).values())

    def get_task_instance(
        self, dag_id: str, run_id: str, task_id: str, map_index: int
    ) -> TaskInstanceRecord | None:
        return self._tis.get((dag_id, run_id), {}).get((task_id, map_index))

    def add_task_instances(self, tis: Iterable[TaskInstanceRecord]) -> None:
        for ti in tis:
            self._tis.setdefault((ti.dag_id, ti.run_id), {})[(ti.task_id, ti.map_index)] = ti

    def delete_task_instances(self, tis: Iterable[TaskInstanceRecord]) -> None:
        for ti in tis:
            self._tis.get((ti.dag_id, ti.run_id), {}).pop((ti.task_id, ti.map_index), None)

    def save_task_instances(self, tis: Iterable[TaskInstanceRecord]) -> None:
        self.add_task_instances(tis)

    def add_try(self, record: TaskTryRecord) -> None:
        self._tries.setdefault((record.dag_id, record.run_id, record.task_id), []).append(record)

    def list_tries(self, dag_id: str, run_id: str, task_id: str) -> list[TaskTryRecord]:
        return list(self._tries.get((dag_id, run_id, task_id), []))

    # -- xcom ------------------------------------------------------------------------------

    def set_xcom(
        self, dag_id: str, run_id: str, task_id: str, map_index: int, key: str, value: str
    ) -> None:
        self._xcom.setdefault((dag_id, run_id, task_id, map_index), {})[key] = value

    def get_xcom(
        self, dag_id: str, run_id: str, task_id: str, map_index: int, key: str
    ) -> str | None:
        return self._xcom.get((dag_id, run_id, task_id, map_index), {}).get(key)

    def list_xcom(self, dag_id: str, run_id: str, task_id: str, key: str) -> list[tuple[int, str]]:
        found = [
            (k[3], values[key])
            for k, values in self._xcom.items()
            if k[:3] == (dag_id, run_id, task_id) and key in values
        ]
        return sorted(found)

    def get_previous_task_states(
        self, dag_id: str, run_id: str, *, before: datetime
    ) -> dict[tuple[str, int], TaskInstanceState | None]:
        earlier = [
            run
            for run in self.list_dag_runs(dag_id)
            if run.run_id != run_id and (run.logical_date or run.run_after) < before
        ]
        if not earlier:
            return {}
        previous = max(earlier, key=lambda run: run.logical_date or run.run_after)
        return {
            (ti.task_id, ti.map_index): ti.state
            for ti in self.list_task_instances(dag_id, previous.run_id)
        }

    def get_latest_xcom(
        self, dag_id: str, task_id: str, map_index: int, key: str, *, until: datetime
    ) -> str | None:
        runs = sorted(
            (run for run in self.list_dag_runs(dag_id) if run.logical_date is not None),
            key=lambda run: run.logical_date,  # type: ignore[arg-type, return-value]
            reverse=True,
        )
        for run in runs:
            if run.logical_date is not None and run.logical_date <= until:
                value = self.get_xcom(dag_id, run.run_id, task_id, map_index, key)
                if value is not None:
                    return value
        return None

    def delete_xcom(self, dag_id: str, run_id: str, task_id: str, map_index: int) -> None:
        self._xcom.pop((dag_id, run_id, task_id, map_index), None)

    # -- variables ---------------------------------------------------------------------------

    def get_variable(self, key: str) -> str | None:
        return self._variables.get(key)

    def set_variable(self, key: str, value: str) -> None:
        self._variables[key] = value

    def get_connection(self, conn_id: str) -> dict[str, Any] | None:
        found = self.connections.get(conn_id)
        return dict(found) if found is not None else None

    def list_triggering_asset_events(
        self, dag_id: str, run_id: str
    ) -> dict[str, list[dict[str, Any]]]:
        return {}  # runs in memory (``dags test``) are never asset-triggered
