"""Records for storage tests (imported by the tests of this folder)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from tradewind.contracts.runs import DagRunType
from tradewind.storage.records import DagRunRecord, TaskInstanceRecord

NOW = datetime(2024, 1, 1, 6, 0, tzinfo=UTC)


@dataclass
class SqlBackend:
    """A migrated database: ``name`` is "sqlite" or "postgres"."""

    name: str
    engine: Engine
    sessions: sessionmaker[Session]


def make_run(dag_id: str = "etl", run_id: str = "r1", **changes: Any) -> DagRunRecord:
    values: dict[str, Any] = {
        "run_type": DagRunType.MANUAL,
        "logical_date": NOW,
        "data_interval_start": NOW - timedelta(days=1),
        "data_interval_end": NOW,
        "run_after": NOW,
    }
    values.update(changes)
    return DagRunRecord(dag_id=dag_id, run_id=run_id, **values)


def make_ti(
    task_id: str = "t", map_index: int = -1, dag_id: str = "etl", run_id: str = "r1", **changes: Any
) -> TaskInstanceRecord:
    return TaskInstanceRecord(
        dag_id=dag_id, run_id=run_id, task_id=task_id, map_index=map_index, **changes
    )
