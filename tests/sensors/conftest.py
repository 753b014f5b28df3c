"""A minimal task instance and a context builder, standing in for the runner."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest

from tradewind.contracts.runs import DagRunInfo, DagRunType
from tradewind.runtime.context import build_context

START = datetime(2024, 1, 1, tzinfo=UTC)


@dataclass
class SensorTaskInstance:
    dag_id: str = "d"
    task_id: str = "s"
    run_id: str = "scheduled__2024-01-01T00:00:00+00:00"
    map_index: int = -1
    try_number: int = 1
    start_date: datetime = field(default_factory=lambda: datetime.now(UTC))
    reschedule_start_date: datetime | None = None
    xcoms: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.reschedule_start_date is None:
            self.reschedule_start_date = self.start_date

    def xcom_push(self, key: str, value: Any) -> None:
        self.xcoms[key] = value


@pytest.fixture
def make_context() -> Callable[..., Any]:
    """``make_context(task, ti=None, logical_date=..., interval=..., run_after=...)``."""

    def build(
        task: Any,
        ti: SensorTaskInstance | None = None,
        *,
        logical_date: datetime | None = START,
        interval: tuple[datetime, datetime] | None = (START, START),
        run_after: datetime = START,
        run_type: DagRunType = DagRunType.SCHEDULED,
    ) -> Any:
        ti = ti or SensorTaskInstance(dag_id=task.dag_id, task_id=task.task_id)
        run = DagRunInfo(
            dag_id=task.dag_id,
            run_id=ti.run_id,
            run_type=run_type,
            logical_date=logical_date,
            data_interval_start=interval[0] if interval else None,
            data_interval_end=interval[1] if interval else None,
            run_after=run_after,
        )
        return build_context(
            dag=task.dag, task=task, ti=ti, run=run, params={}, get_variable=lambda name: None
        )

    return build


@pytest.fixture
def make_ti() -> Callable[..., SensorTaskInstance]:
    return SensorTaskInstance
