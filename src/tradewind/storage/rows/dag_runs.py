"""DAG runs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tradewind.contracts.runs import DagRunType
from tradewind.contracts.states import DagRunState
from tradewind.storage.column_types import StrEnumType
from tradewind.storage.rows.base import ID_LENGTH, Base


class DagRunRow(Base):
    """One run of a DAG. Unique by (dag_id, run_id), and by (dag_id, logical_date) when set."""

    __tablename__ = "dag_run"
    __table_args__ = (
        UniqueConstraint("dag_id", "run_id"),
        # NULLs are distinct in unique constraints on SQLite and PostgreSQL, so runs without
        # a logical date never clash.
        UniqueConstraint("dag_id", "logical_date"),
        Index("ix_dag_run_state_last_scheduling_decision", "state", "last_scheduling_decision"),
        Index("ix_dag_run_dag_id_state", "dag_id", "state"),
        # A DAG's runs in the order the API pages them.
        Index("ix_dag_run_dag_id_id", "dag_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    dag_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    run_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    run_type: Mapped[DagRunType] = mapped_column(StrEnumType(DagRunType, 50))
    logical_date: Mapped[datetime | None]
    data_interval_start: Mapped[datetime | None]
    data_interval_end: Mapped[datetime | None]
    run_after: Mapped[datetime]
    state: Mapped[DagRunState] = mapped_column(StrEnumType(DagRunState, 20))
    conf: Mapped[dict[str, Any]] = mapped_column(default=dict)
    #: The DAG version the run runs (null when that version is not stored, or was deleted).
    dag_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("dag_version.id", ondelete="SET NULL"), index=True
    )
    #: ``DagSpec.version_hash`` of that version, as the engine and workloads name it.
    dag_version_hash: Mapped[str | None] = mapped_column(String(64))
    queued_at: Mapped[datetime | None]
    start_date: Mapped[datetime | None]
    end_date: Mapped[datetime | None]
    note: Mapped[str | None] = mapped_column(Text)
    #: Why the run ended as it did (deadlock, timeout, failed leaves…).
    reason: Mapped[str | None] = mapped_column(Text)
    #: When a scheduler last planned the run: the least recently planned runs go first.
    last_scheduling_decision: Mapped[datetime | None]


class DagRunCountRow(Base):
    """How many runs a DAG has, kept by the database itself.

    Triggers on ``dag_run`` (migration 0007) add and subtract as runs are inserted and
    deleted, by any writer, in the writer's transaction: a page of the API's runs list reads
    its ``total_entries`` here instead of counting every run for every page. Not written by
    Tradewind's code.
    """

    __tablename__ = "dag_run_count"

    dag_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    runs: Mapped[int]
