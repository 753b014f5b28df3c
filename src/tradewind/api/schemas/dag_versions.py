"""DAG versions and DAG run statistics (Airflow's ``DAGVersionCollectionResponse``,
``DagStatsCollectionResponse``)."""

from __future__ import annotations

from tradewind.api.schemas.common import ReadModel
from tradewind.api.schemas.dags import DagVersionRead
from tradewind.contracts.states import DagRunState


class DagVersionCollectionRead(ReadModel):
    dag_versions: list[DagVersionRead]
    total_entries: int


class DagStatsStateRead(ReadModel):
    state: DagRunState
    count: int


class DagStatsRead(ReadModel):
    dag_id: str
    dag_display_name: str
    stats: list[DagStatsStateRead]


class DagStatsCollectionRead(ReadModel):
    dags: list[DagStatsRead]
    total_entries: int
