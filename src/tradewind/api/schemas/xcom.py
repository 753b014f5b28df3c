"""XCom entries (Airflow's ``XComResponse``, ``XComResponseNative``, ``XComCreateBody``…)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from tradewind.api.params import INT_MAX
from tradewind.api.schemas.common import ReadModel, RequestBody

#: The longest XCom key the database keeps.
KEY_LENGTH = 512


class XComRead(ReadModel):
    key: str
    timestamp: datetime
    logical_date: datetime | None
    map_index: int
    task_id: str
    dag_id: str
    run_id: str
    dag_display_name: str
    task_display_name: str
    run_after: datetime


class XComNativeRead(XComRead):
    value: Any


class XComStringRead(XComRead):
    value: str | None


class XComCollectionRead(ReadModel):
    xcom_entries: list[XComRead]
    total_entries: int


class XComCreate(RequestBody):
    key: str = Field(min_length=1, max_length=KEY_LENGTH)
    value: Any
    map_index: int = Field(-1, ge=-1, le=INT_MAX)


class XComPatch(RequestBody):
    value: Any
    map_index: int = Field(-1, ge=-1, le=INT_MAX)
