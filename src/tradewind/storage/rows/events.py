"""What happened: asset events (the aliases they were added through, the runs they
triggered), import errors, and the heartbeats of running jobs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tradewind.storage.rows.base import ID_LENGTH, Base


class AssetEventRow(Base):
    """An asset was updated, by a task (source_*) or from outside (no source)."""

    __tablename__ = "asset_event"
    __table_args__ = (Index("ix_asset_event_asset_uri_timestamp", "asset_uri", "timestamp"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    asset_name: Mapped[str] = mapped_column(String(1500))
    asset_uri: Mapped[str] = mapped_column(String(1500))
    asset_group: Mapped[str] = mapped_column(String(1500), default="asset")
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)
    source_dag_id: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    source_run_id: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    source_task_id: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    source_map_index: Mapped[int] = mapped_column(default=-1)
    timestamp: Mapped[datetime]


class AssetAliasEventRow(Base):
    """A task added the event through this asset alias."""

    __tablename__ = "asset_alias_asset_event"

    alias_id: Mapped[int] = mapped_column(
        ForeignKey("asset_alias.id", ondelete="CASCADE"), primary_key=True
    )
    event_id: Mapped[int] = mapped_column(
        ForeignKey("asset_event.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class DagRunAssetEventRow(Base):
    """An asset-triggered run consumed the event (its ``triggering_asset_events``)."""

    __tablename__ = "dag_run_asset_event"

    dag_run_id: Mapped[int] = mapped_column(
        ForeignKey("dag_run.id", ondelete="CASCADE"), primary_key=True
    )
    event_id: Mapped[int] = mapped_column(
        ForeignKey("asset_event.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class ImportErrorRow(Base):
    """A DAG file that failed to import (or a DAG in it that had to be dropped)."""

    __tablename__ = "import_error"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    filename: Mapped[str] = mapped_column(String(2000), index=True)
    lineno: Mapped[int | None]
    message: Mapped[str] = mapped_column(Text)
    traceback: Mapped[str] = mapped_column(Text)
    timestamp: Mapped[datetime]


class JobRow(Base):
    """A running scheduler, DAG processor or triggerer, known by its heartbeats."""

    __tablename__ = "job"
    __table_args__ = (Index("ix_job_kind_latest_heartbeat", "kind", "latest_heartbeat"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    #: "scheduler", "dag_processor", "triggerer"…
    kind: Mapped[str] = mapped_column(String(50))
    hostname: Mapped[str] = mapped_column(String(1000))
    pid: Mapped[int]
    started_at: Mapped[datetime]
    latest_heartbeat: Mapped[datetime]
    #: Set when the job stopped cleanly.
    ended_at: Mapped[datetime | None]
