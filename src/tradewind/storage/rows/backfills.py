"""Backfills made through the API: the range, its options, and the runs it plans."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tradewind.storage.rows.base import ID_LENGTH, Base


class BackfillRow(Base):
    """A backfill of one DAG; the scheduler starts its runs until ``completed_at`` is set."""

    __tablename__ = "backfill"
    __table_args__ = (Index("ix_backfill_completed_at_is_paused", "completed_at", "is_paused"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    dag_id: Mapped[str] = mapped_column(
        String(ID_LENGTH), ForeignKey("dag.dag_id", ondelete="CASCADE"), index=True
    )
    from_date: Mapped[datetime]
    to_date: Mapped[datetime]
    dag_run_conf: Mapped[dict[str, Any]] = mapped_column(default=dict)
    #: A paused backfill starts no new runs (the runs already started go on).
    is_paused: Mapped[bool] = mapped_column(default=False)
    #: ``none``, ``failed`` or ``completed`` (``server.backfill.Reprocess``).
    reprocess_behavior: Mapped[str] = mapped_column(String(20))
    max_active_runs: Mapped[int]
    run_backwards: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    #: When its last run finished, or when it was cancelled.
    completed_at: Mapped[datetime | None]


class BackfillDagRunRow(Base):
    """One logical date of a backfill: the run it creates or clears, or why it skips it."""

    __tablename__ = "backfill_dag_run"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    backfill_id: Mapped[int] = mapped_column(
        ForeignKey("backfill.id", ondelete="CASCADE"), index=True
    )
    run_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    logical_date: Mapped[datetime]
    data_interval_start: Mapped[datetime]
    data_interval_end: Mapped[datetime]
    run_after: Mapped[datetime]
    #: The order the backfill starts its runs in (0 first).
    sort_ordinal: Mapped[int]
    #: ``create``, ``clear`` or ``skip`` (``server.backfill.Action``).
    action: Mapped[str] = mapped_column(String(20))
    #: Why a date is skipped, or the state of the run that is cleared.
    exception_reason: Mapped[str | None] = mapped_column(Text)
    #: When the backfill created or cleared the run (null: not yet).
    started_at: Mapped[datetime | None]
