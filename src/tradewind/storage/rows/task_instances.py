"""Task instances, their tries (one row per try) and where each try's log is."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, ForeignKeyConstraint, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tradewind.contracts.states import TaskInstanceState
from tradewind.storage.column_types import StrEnumType
from tradewind.storage.rows.base import ID_LENGTH, Base


def _run_fk() -> ForeignKeyConstraint:
    """Rows of a run go when the run goes."""
    return ForeignKeyConstraint(
        ["dag_id", "run_id"], ["dag_run.dag_id", "dag_run.run_id"], ondelete="CASCADE"
    )


class TaskInstanceRow(Base):
    """The current state of one task in one run, at one map index (-1: not mapped)."""

    __tablename__ = "task_instance"
    __table_args__ = (
        _run_fk(),
        Index("ix_task_instance_state_pool", "state", "pool"),
        Index("ix_task_instance_dag_id_state", "dag_id", "state"),
    )

    dag_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    run_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    task_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    map_index: Mapped[int] = mapped_column(primary_key=True, default=-1)
    #: Null is "no status yet": the task waits for its upstream tasks.
    state: Mapped[TaskInstanceState | None] = mapped_column(StrEnumType(TaskInstanceState, 20))
    try_number: Mapped[int] = mapped_column(default=0)
    max_tries: Mapped[int] = mapped_column(default=0)
    priority: Mapped[int] = mapped_column(default=1)
    pool: Mapped[str] = mapped_column(String(ID_LENGTH), default="default_pool")
    pool_slots: Mapped[int] = mapped_column(default=1)
    queue: Mapped[str] = mapped_column(String(ID_LENGTH), default="default")
    operator: Mapped[str] = mapped_column(String(1000), default="")
    queued_at: Mapped[datetime | None]
    start_date: Mapped[datetime | None]
    end_date: Mapped[datetime | None]
    #: Not before this time (retry delay or sensor reschedule).
    next_attempt_at: Mapped[datetime | None]
    #: When the first try of a rescheduled sensor started.
    reschedule_start_date: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(Text)
    hostname: Mapped[str | None] = mapped_column(String(1000))
    pid: Mapped[int | None]
    #: Lengths of pushed list/dict XComs by key, for mapping downstream tasks over them.
    xcom_lengths: Mapped[dict[str, int]] = mapped_column(default=dict)
    note: Mapped[str | None] = mapped_column(Text)
    #: The running try's last heartbeat; a try silent past the timeout is a zombie.
    last_heartbeat_at: Mapped[datetime | None]
    #: The scheduler job that queued the current try (to adopt the tries of a dead one).
    queued_by_job_id: Mapped[int | None] = mapped_column(
        ForeignKey("job.id", ondelete="SET NULL"), index=True
    )


class TaskTryRow(Base):
    """One finished try of a task instance: the history a retry or a clear leaves behind."""

    __tablename__ = "task_try"
    __table_args__ = (_run_fk(),)

    dag_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    run_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    task_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    map_index: Mapped[int] = mapped_column(primary_key=True)
    try_number: Mapped[int] = mapped_column(primary_key=True)
    state: Mapped[TaskInstanceState] = mapped_column(StrEnumType(TaskInstanceState, 20))
    start_date: Mapped[datetime | None]
    end_date: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(Text)
    hostname: Mapped[str | None] = mapped_column(String(1000))


class LogLocationRow(Base):
    """Where the log of one try is kept: a path or an fsspec URL."""

    __tablename__ = "log_location"
    __table_args__ = (_run_fk(),)

    dag_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    run_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    task_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    map_index: Mapped[int] = mapped_column(primary_key=True)
    try_number: Mapped[int] = mapped_column(primary_key=True)
    location: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
