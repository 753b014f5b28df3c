"""Assets and asset events (Airflow's ``AssetResponse``, ``AssetEventResponse``…)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import AwareDatetime, Field

from tradewind.api.schemas.common import ReadModel, RequestBody
from tradewind.api.schemas.dag_runs import RUN_ID_PATTERN


class DagScheduleAssetReferenceRead(ReadModel):
    dag_id: str
    created_at: datetime
    updated_at: datetime


class TaskAssetReferenceRead(ReadModel):
    """A task that produces (outlet) or reads (inlet) an asset."""

    dag_id: str
    task_id: str
    created_at: datetime
    updated_at: datetime


class LastAssetEventRead(ReadModel):
    id: int | None
    timestamp: datetime | None


class AssetAliasRead(ReadModel):
    """An asset alias a DAG mentions (``AssetAlias("name")``)."""

    id: int
    name: str
    group: str


class AssetRead(ReadModel):
    id: int
    name: str
    uri: str
    group: str
    extra: dict[str, Any] | None
    created_at: datetime
    updated_at: datetime
    scheduled_dags: list[DagScheduleAssetReferenceRead]
    producing_tasks: list[TaskAssetReferenceRead]
    consuming_tasks: list[TaskAssetReferenceRead]
    #: The aliases that resolved to this asset (a task attached an event of it through them).
    aliases: list[AssetAliasRead] = Field(default_factory=list)
    #: Tradewind has no asset watchers: always empty.
    watchers: list[dict[str, Any]] = Field(default_factory=list)
    last_asset_event: LastAssetEventRead | None


class AssetAliasCollectionRead(ReadModel):
    asset_aliases: list[AssetAliasRead]
    total_entries: int


class AssetCollectionRead(ReadModel):
    assets: list[AssetRead]
    total_entries: int


class DagRunAssetReferenceRead(ReadModel):
    run_id: str
    dag_id: str
    logical_date: datetime | None
    start_date: datetime
    end_date: datetime | None
    state: str
    data_interval_start: datetime | None
    data_interval_end: datetime | None


class AssetEventRead(ReadModel):
    id: int
    asset_id: int
    uri: str | None
    name: str | None
    group: str | None
    extra: dict[str, Any] | None
    source_task_id: str | None
    source_dag_id: str | None
    source_run_id: str | None
    source_map_index: int
    #: The asset-triggered runs that consumed the event.
    created_dagruns: list[DagRunAssetReferenceRead] = Field(default_factory=list)
    timestamp: datetime
    partition_key: str | None = None


class AssetEventCollectionRead(ReadModel):
    asset_events: list[AssetEventRead]
    total_entries: int


class AssetEventCreate(RequestBody):
    """``POST /assets/events``: an asset was updated outside Tradewind."""

    asset_id: int = Field(ge=1, le=2**31 - 1)
    extra: dict[str, Any] | None = None
    partition_key: str | None = Field(default=None, max_length=250)
    access_control: dict[str, Any] | None = None


class AssetMaterialize(RequestBody):
    """``POST /assets/{asset_id}/materialize``: options of the run of the producing DAG."""

    dag_run_id: str | None = Field(
        default=None, min_length=1, max_length=250, pattern=RUN_ID_PATTERN
    )
    logical_date: AwareDatetime | None = None
    conf: dict[str, Any] | None = None
    note: str | None = Field(default=None, max_length=1000)
    data_interval_start: AwareDatetime | None = None
    data_interval_end: AwareDatetime | None = None
    run_after: AwareDatetime | None = None
    partition_key: str | None = Field(default=None, max_length=250)


class QueuedEventRead(ReadModel):
    dag_id: str
    asset_id: int
    created_at: datetime
    dag_display_name: str


class QueuedEventCollectionRead(ReadModel):
    queued_events: list[QueuedEventRead]
    total_entries: int
