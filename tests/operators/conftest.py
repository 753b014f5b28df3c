"""A recording task instance and a context builder, standing in for the runner."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest

from tradewind.contracts.runs import DagRunInfo, DagRunType
from tradewind.operators.trigger_dagrun import DagRunAlreadyExistsError
from tradewind.runtime.context import build_context

START = datetime(2024, 1, 1, tzinfo=UTC)


@dataclass
class RecordingTaskInstance:
    """Implements the task-instance methods operators call, and records the calls."""

    dag_id: str = "d"
    task_id: str = "t"
    run_id: str = "scheduled__2024-01-02T00:00:00+00:00"
    map_index: int = -1
    try_number: int = 1
    start_date: datetime = field(default_factory=lambda: datetime.now(UTC))
    reschedule_start_date: datetime | None = None
    xcoms: dict[str, Any] = field(default_factory=dict)
    skip_calls: list[list[str]] = field(default_factory=list)
    triggered: list[dict[str, Any]] = field(default_factory=list)
    existing_runs: set[tuple[str, str]] = field(default_factory=set)
    #: Successive answers of get_dag_run_state; the last one repeats.
    run_states: list[str | None] = field(default_factory=list)
    state_queries: int = 0

    @property
    def skipped(self) -> set[str]:
        return {task_id for call in self.skip_calls for task_id in call}

    def xcom_push(self, key: str, value: Any) -> None:
        self.xcoms[key] = value

    def xcom_pull(
        self,
        task_ids: Any = None,
        key: str = "return_value",
        map_indexes: Any = None,
        default: Any = None,
    ) -> Any:
        return self.xcoms.get(key, default)

    def skip_tasks(self, task_ids: Collection[str]) -> None:
        self.skip_calls.append(list(task_ids))

    def trigger_dag_run(
        self,
        *,
        dag_id: str,
        run_id: str | None,
        conf: dict[str, Any],
        logical_date: datetime | None,
        reset_dag_run: bool,
    ) -> str:
        new_id = run_id or f"manual__{(logical_date or START).isoformat()}"
        if (dag_id, new_id) in self.existing_runs and not reset_dag_run:
            raise DagRunAlreadyExistsError(dag_id, new_id)
        self.triggered.append(
            {
                "dag_id": dag_id,
                "run_id": run_id,
                "conf": conf,
                "logical_date": logical_date,
                "reset_dag_run": reset_dag_run,
            }
        )
        self.existing_runs.add((dag_id, new_id))
        return new_id

    def get_dag_run_state(self, dag_id: str, run_id: str) -> str | None:
        self.state_queries += 1
        if len(self.run_states) > 1:
            return self.run_states.pop(0)
        return self.run_states[0] if self.run_states else None


@pytest.fixture
def make_ti() -> Callable[..., RecordingTaskInstance]:
    return RecordingTaskInstance


@pytest.fixture
def make_context() -> Callable[..., Any]:
    """``make_context(task, ti=None, run_type=..., logical_date=..., interval=..., conf=...)``."""

    def build(
        task: Any,
        ti: RecordingTaskInstance | None = None,
        *,
        run_type: DagRunType = DagRunType.SCHEDULED,
        logical_date: datetime | None = START,
        interval: tuple[datetime, datetime] | None = (START, START),
        run_after: datetime = START,
        run_id: str = "scheduled__2024-01-02T00:00:00+00:00",
        conf: dict[str, Any] | None = None,
    ) -> Any:
        ti = ti or RecordingTaskInstance(dag_id=task.dag_id, task_id=task.task_id, run_id=run_id)
        run = DagRunInfo(
            dag_id=task.dag_id,
            run_id=run_id,
            run_type=run_type,
            logical_date=logical_date,
            data_interval_start=interval[0] if interval else None,
            data_interval_end=interval[1] if interval else None,
            run_after=run_after,
            conf=conf or {},
        )
        return build_context(
            dag=task.dag,
            task=task,
            ti=ti,
            run=run,
            params=dict(task.dag.params) if task.dag is not None else {},
            get_variable=lambda name: None,
        )

    return build
