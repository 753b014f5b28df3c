"""DAGs and their versions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tradewind.storage.rows.base import ID_LENGTH, Base


class DagRow(Base):
    """A DAG the DAG processor has seen, and what the scheduler keeps about it."""

    __tablename__ = "dag"
    __table_args__ = (
        Index(
            "ix_dag_next_dagrun_create_after", "is_paused", "is_active", "next_dagrun_create_after"
        ),
    )

    dag_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    is_paused: Mapped[bool] = mapped_column(default=False)
    #: False once the DAG's file is gone or no longer defines it.
    is_active: Mapped[bool] = mapped_column(default=True)
    fileloc: Mapped[str] = mapped_column(String(2000), index=True)
    last_parsed_time: Mapped[datetime | None]
    description: Mapped[str | None] = mapped_column(Text)
    dag_display_name: Mapped[str | None] = mapped_column(String(2000))
    #: A human description of the schedule (a cron expression, "@daily", an asset list…).
    schedule_summary: Mapped[str | None] = mapped_column(String(1000))
    tags: Mapped[list[str]] = mapped_column(default=list)
    #: Comma-separated owners of the DAG's tasks.
    owners: Mapped[str] = mapped_column(String(2000), default="")
    max_active_runs: Mapped[int] = mapped_column(default=16)
    max_active_tasks: Mapped[int] = mapped_column(default=16)
    max_consecutive_failed_dag_runs: Mapped[int] = mapped_column(default=0)
    #: The logical date and data interval of the next scheduled run, and when to create it.
    next_dagrun: Mapped[datetime | None]
    next_dagrun_data_interval_start: Mapped[datetime | None]
    next_dagrun_data_interval_end: Mapped[datetime | None]
    next_dagrun_create_after: Mapped[datetime | None]


class DagVersionRow(Base):
    """One version of a DAG: its serialized structure and source, named by its hash.

    A new version is recorded whenever the hash of the parsed ``DagSpec`` changes; every run
    records the version it ran.
    """

    __tablename__ = "dag_version"
    __table_args__ = (
        UniqueConstraint("dag_id", "version_number"),
        Index("ix_dag_version_dag_id_version_hash", "dag_id", "version_hash"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    dag_id: Mapped[str] = mapped_column(
        String(ID_LENGTH), ForeignKey("dag.dag_id", ondelete="CASCADE")
    )
    #: 1, 2, 3… per DAG.
    version_number: Mapped[int]
    #: ``DagSpec.version_hash``.
    version_hash: Mapped[str] = mapped_column(String(64))
    #: ``DagSpec.to_json()``: ``DagSpec.from_json`` rebuilds the spec.
    spec_json: Mapped[str] = mapped_column(Text)
    #: The DAG file's text when this version was parsed.
    source_code: Mapped[str] = mapped_column(Text)
    fileloc: Mapped[str] = mapped_column(String(2000))
    created_at: Mapped[datetime]
