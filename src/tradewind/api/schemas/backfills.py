"""Backfills (Airflow's ``BackfillResponse``, ``BackfillPostBody``…)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import AwareDatetime, Field

from tradewind.api.schemas.common import ReadModel, RequestBody

ReprocessBehavior = Literal["none", "failed", "completed"]


class BackfillCreate(RequestBody):
    """``POST /backfills`` and ``POST /backfills/dry_run``."""

    dag_id: str = Field(min_length=1, max_length=250)
    from_date: AwareDatetime
    to_date: AwareDatetime
    run_backwards: bool = False
    dag_run_conf: dict[str, Any] = Field(default_factory=dict)
    reprocess_behavior: ReprocessBehavior = "none"
    max_active_runs: int = Field(default=10, ge=1, le=2**31 - 1)
    run_on_latest_version: bool | None = None


class BackfillRead(ReadModel):
    id: int
    dag_id: str
    from_date: datetime
    to_date: datetime
    dag_run_conf: dict[str, Any]
    is_paused: bool
    reprocess_behavior: ReprocessBehavior
    max_active_runs: int
    created_at: datetime
    completed_at: datetime | None
    updated_at: datetime
    dag_display_name: str


class BackfillCollectionRead(ReadModel):
    backfills: list[BackfillRead]
    total_entries: int


class DryRunBackfillRead(ReadModel):
    logical_date: datetime
    partition_key: str | None = None
    partition_date: datetime | None = None


class DryRunBackfillCollectionRead(ReadModel):
    backfills: list[DryRunBackfillRead]
    total_entries: int
