"""XCom: values a task pushed, serialized as text by the runtime."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKeyConstraint, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tradewind.storage.rows.base import ID_LENGTH, Base


class XComRow(Base):
    __tablename__ = "xcom"
    __table_args__ = (
        ForeignKeyConstraint(
            ["dag_id", "run_id"], ["dag_run.dag_id", "dag_run.run_id"], ondelete="CASCADE"
        ),
    )

    dag_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    run_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    task_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    map_index: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(512), primary_key=True)
    #: The serialized value (the runtime's serde format).
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime]
